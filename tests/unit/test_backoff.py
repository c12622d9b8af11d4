"""Retry delays: exponential, capped, fully jittered, in whole seconds SQS accepts."""

from __future__ import annotations

import random

import pytest

from videoshare.bus.backoff import (
    MAX_VISIBILITY_S,
    backoff_ceiling,
    backoff_delay,
    clamp_delay,
    clamp_visibility,
)


def test_the_ceiling_doubles_with_each_attempt() -> None:
    ceilings = [backoff_ceiling(n, base_s=2, cap_s=1000) for n in range(1, 6)]
    assert ceilings == [2, 4, 8, 16, 32]


def test_the_ceiling_stops_at_the_cap() -> None:
    assert backoff_ceiling(30, base_s=2, cap_s=900) == 900


def test_the_ceiling_never_passes_sqs_maximum_even_with_a_bigger_cap() -> None:
    assert backoff_ceiling(10_000, base_s=5, cap_s=10 * MAX_VISIBILITY_S) == MAX_VISIBILITY_S


def test_attempt_zero_or_less_counts_as_the_first() -> None:
    assert backoff_ceiling(0, base_s=3, cap_s=100) == backoff_ceiling(1, base_s=3, cap_s=100)


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 8, 20])
def test_delays_stay_between_zero_and_the_ceiling(attempt: int) -> None:
    rng = random.Random(attempt)
    ceiling = backoff_ceiling(attempt, base_s=2, cap_s=60)
    for _ in range(200):
        delay = backoff_delay(attempt, base_s=2, cap_s=60, rng=rng)
        assert isinstance(delay, int)
        assert 0 <= delay <= ceiling


def test_full_jitter_spreads_retries_out() -> None:
    rng = random.Random(7)
    delays = {backoff_delay(6, base_s=2, cap_s=900, rng=rng) for _ in range(100)}
    assert len(delays) > 20  # not everyone retrying at the same second
    assert min(delays) < 16 < max(delays)  # across the whole range 0..64


def test_the_same_random_source_gives_the_same_delays() -> None:
    first = [backoff_delay(4, base_s=1, cap_s=30, rng=random.Random(1)) for _ in range(3)]
    second = [backoff_delay(4, base_s=1, cap_s=30, rng=random.Random(1)) for _ in range(3)]
    assert first == second


def test_a_zero_base_retries_at_once() -> None:
    assert backoff_delay(5, base_s=0, cap_s=0) == 0


@pytest.mark.parametrize(
    ("requested", "granted"),
    [(0, 0), (0.2, 1), (1.0, 1), (59.5, 60), (-3, 0), (10**9, MAX_VISIBILITY_S), (float("nan"), 0)],
)
def test_requested_delays_become_whole_seconds_sqs_accepts(requested: float, granted: int) -> None:
    assert clamp_visibility(requested) == granted


def test_a_delay_is_whole_seconds_within_what_sqs_takes() -> None:
    assert [clamp_delay(s) for s in (-1, 0, 0.2, 899.5, 3600, float("nan"))] == [
        0, 0, 1, 900, 900, 0
    ]  # fmt: skip
