"""How an upload is cut into parts, and whether a client's part list completes it, and the
parts S3 holds fit the plan. Pure code.

S3's rules: at most 10,000 parts, each at least 5 MiB except the last, at most 5 GiB each, and
at most 5 TiB in all. Parts are numbered from 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

MIB = 1024**2
MIN_PART_BYTES = 5 * MIB
MAX_PART_BYTES = 5 * 1024**3
MAX_PARTS = 10_000
MAX_OBJECT_BYTES = 5 * 1024**4


@dataclass(frozen=True, slots=True)
class PartPlan:
    part_size: int
    part_count: int


def plan_parts(size_bytes: int, preferred_part_bytes: int) -> PartPlan:
    """Parts of `preferred_part_bytes` (whole MiB), larger when that would exceed 10,000."""
    if not 0 < size_bytes <= MAX_OBJECT_BYTES:
        raise ValueError(f"{size_bytes} bytes cannot be one S3 object")
    needed = -(-size_bytes // MAX_PARTS)
    part_size = max(preferred_part_bytes, needed, MIN_PART_BYTES)
    part_size = -(-part_size // MIB) * MIB
    part_size = min(part_size, MAX_PART_BYTES)
    return PartPlan(part_size, -(-size_bytes // part_size))


def part_list_errors(part_numbers: list[int], part_count: int) -> list[str]:
    """Why `part_numbers` (as the client sent them) do not name parts 1..`part_count` in order."""
    errors = []
    if any(b <= a for a, b in itertools.pairwise(part_numbers)):
        errors.append("part numbers must be in ascending order, each once")
    missing = sorted(set(range(1, part_count + 1)) - set(part_numbers))
    if missing:
        shown = ", ".join(str(n) for n in missing[:10]) + (", …" if len(missing) > 10 else "")
        errors.append(f"parts missing: {shown} (this upload has {part_count} parts)")
    extra = sorted(n for n in set(part_numbers) if n > part_count)
    if extra:
        errors.append(f"this upload has {part_count} parts; there is no part {extra[0]}")
    return errors


def planned_part_sizes(size_bytes: int, part_size: int) -> list[int]:
    """The size each part of a `size_bytes` upload must be: `part_size`, the last one smaller."""
    count = -(-size_bytes // part_size)
    return [min(part_size, size_bytes - n * part_size) for n in range(count)]


def oversized_parts(held: Iterable[tuple[int, int]], planned: list[int]) -> list[str]:
    """Which of the parts held (number, size) are larger than planned (a part outside the plan
    is planned at 0 bytes): more storage than the video declared, and paid for."""
    return [
        f"part {number} is {size:,} bytes, planned {allowed:,}"
        for number, size in held
        if size > (allowed := planned[number - 1] if 0 < number <= len(planned) else 0)
    ]
