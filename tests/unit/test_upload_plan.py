"""Cutting an upload into parts, and checking a client's part list (pure)."""

from __future__ import annotations

import pytest

from videoshare.domain.upload_plan import (
    MAX_OBJECT_BYTES,
    MAX_PART_BYTES,
    MAX_PARTS,
    MIB,
    MIN_PART_BYTES,
    oversized_parts,
    part_list_errors,
    plan_parts,
    planned_part_sizes,
)


def test_the_preferred_part_size_is_used_when_it_fits() -> None:
    plan = plan_parts(100 * MIB + 1, 16 * MIB)
    assert (plan.part_size, plan.part_count) == (16 * MIB, 7)


def test_parts_grow_so_a_file_never_needs_more_than_10000() -> None:
    size = 1024**4  # 1 TiB at 16 MiB would be 65,536 parts
    plan = plan_parts(size, 16 * MIB)
    assert plan.part_count <= MAX_PARTS
    assert plan.part_size % MIB == 0
    assert (plan.part_count - 1) * plan.part_size < size <= plan.part_count * plan.part_size


def test_parts_are_never_below_s3s_minimum_nor_above_its_maximum() -> None:
    assert plan_parts(6 * MIB, 1).part_size == MIN_PART_BYTES
    assert plan_parts(MAX_OBJECT_BYTES, 16 * MIB).part_size <= MAX_PART_BYTES
    assert plan_parts(MAX_OBJECT_BYTES, 16 * MIB).part_count <= MAX_PARTS


@pytest.mark.parametrize("size", [0, -1, MAX_OBJECT_BYTES + 1])
def test_sizes_no_object_can_have_are_refused(size: int) -> None:
    with pytest.raises(ValueError, match="cannot be one S3 object"):
        plan_parts(size, 16 * MIB)


def test_a_complete_ascending_list_has_no_errors() -> None:
    assert part_list_errors([1, 2, 3], 3) == []


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([2, 1], "ascending"),
        ([1, 1, 2], "ascending"),
        ([1, 3], "parts missing: 2"),
        ([1, 2, 3, 4], "there is no part 4"),
    ],
)
def test_lists_that_do_not_complete_the_upload_say_why(numbers: list[int], expected: str) -> None:
    assert any(expected in e for e in part_list_errors(numbers, 3))


def test_a_long_list_of_missing_parts_is_cut_short() -> None:
    (error,) = part_list_errors([1], 100)
    assert error.startswith("parts missing: 2, 3")
    assert "…" in error


def test_each_part_is_planned_at_the_part_size_but_the_last() -> None:
    assert planned_part_sizes(12 * MIB, 5 * MIB) == [5 * MIB, 5 * MIB, 2 * MIB]
    assert planned_part_sizes(10 * MIB, 5 * MIB) == [5 * MIB, 5 * MIB]
    plan = plan_parts(100 * MIB + 1, 16 * MIB)
    sizes = planned_part_sizes(100 * MIB + 1, plan.part_size)
    assert (len(sizes), sum(sizes), sizes[-1]) == (plan.part_count, 100 * MIB + 1, 4 * MIB + 1)


def test_parts_larger_than_planned_or_outside_the_plan_are_oversized() -> None:
    planned = [5 * MIB, 5 * MIB, 2 * MIB]
    assert oversized_parts([(1, 5 * MIB), (2, 5 * MIB), (3, 2 * MIB)], planned) == []
    assert oversized_parts([(3, MIB)], planned) == []  # short: S3 or the finalizer say so
    assert oversized_parts([(1, 5 * MIB + 1), (3, 5 * MIB), (4, 1)], planned) == [
        f"part 1 is {5 * MIB + 1:,} bytes, planned {5 * MIB:,}",
        f"part 3 is {5 * MIB:,} bytes, planned {2 * MIB:,}",
        "part 4 is 1 bytes, planned 0",
    ]
