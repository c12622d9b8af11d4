"""The cost budget: a source fits while duration x frame pixels x frame rate stays within
throughput x timeout; past it, too_costly with the duration that would fit."""

from __future__ import annotations

import pytest

from tests.media import probe_result
from videoshare.media.cost import CostBudget, source_pixels
from videoshare.media.probe import MediaRejected, ProbeResult, RejectCode


def probed(duration_s: float, width: int, height: int, frame_rate: float | None) -> ProbeResult:
    return probe_result(width, height, duration_s=duration_s, frame_rate=frame_rate)


# 10 s of 100x100 at 10 frames a second: a million pixels
BUDGET = CostBudget(pixels_per_s=10_000, seconds=100)


def test_a_source_within_the_budget_passes_up_to_its_edge() -> None:
    assert source_pixels(probed(10, 100, 100, 10)) == 1_000_000
    BUDGET.check(probed(10, 100, 100, 10))


@pytest.mark.parametrize(
    ("source", "fits_s"),
    [
        (probed(10.1, 100, 100, 10), "10"),  # longer
        (probed(10, 200, 100, 10), "5"),  # larger
        (probed(10, 100, 100, 20), "5"),  # faster
        (probed(10, 100, 100, None), "2"),  # no frame rate: counted at 60
    ],
)
def test_a_source_past_the_budget_is_too_costly_and_told_what_fits(
    source: ProbeResult, fits_s: str
) -> None:
    with pytest.raises(MediaRejected) as refused:
        BUDGET.check(source)
    assert refused.value.code is RejectCode.TOO_COSTLY
    assert f"up to {fits_s} s fits" in refused.value.reason
