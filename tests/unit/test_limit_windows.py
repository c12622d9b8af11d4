"""Fixed windows of the limits: aligned to the epoch, and how long until the next one."""

from __future__ import annotations

from videoshare.domain.limits import Window

DAY = Window(length_s=86_400, limit=100)


def test_a_day_window_is_a_utc_day() -> None:
    midnight = 1_800_000_000 - 1_800_000_000 % 86_400
    assert DAY.start(midnight) == midnight
    assert DAY.start(midnight + 86_399.9) == midnight
    assert DAY.start(midnight + 86_400) == midnight + 86_400


def test_retry_after_is_the_rest_of_the_window_in_whole_seconds() -> None:
    midnight = 1_800_000_000 - 1_800_000_000 % 86_400
    assert DAY.retry_after_s(midnight) == 86_400
    assert DAY.retry_after_s(midnight + 86_399.2) == 1
    assert DAY.retry_after_s(midnight + 86_399.99) == 1  # never 0: "now" is not a wait
    assert Window(900, 5).retry_after_s(900 * 7 + 100.5) == 800
