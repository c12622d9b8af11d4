"""Multipart uploads, as data: which byte range each part holds and which are still missing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Part:
    number: int  # 1-based, as S3 counts
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class UploadedPart:
    number: int
    etag: str
    size: int


def plan_parts(total_size: int, part_size: int) -> list[Part]:
    """Every part of a `total_size`-byte file cut into `part_size` pieces (the last shorter)."""
    if total_size <= 0 or part_size <= 0:
        raise ValueError("sizes must be positive")
    count = -(-total_size // part_size)
    return [
        Part(n + 1, n * part_size, min(part_size, total_size - n * part_size)) for n in range(count)
    ]


def missing_parts(plan: Iterable[Part], uploaded: Mapping[int, UploadedPart]) -> list[Part]:
    """The parts of `plan` still to send: absent, or present with the wrong size (a part cut
    short is sent again; S3 keeps the last upload of a part number)."""
    return [
        part
        for part in plan
        if part.number not in uploaded or uploaded[part.number].size != part.size
    ]
