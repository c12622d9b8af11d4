"""`Counters` and `LoginAttempts`: the fakes and `adapters.counters` (`WindowCounters`,
`LoginStreaks`, DynamoDB) count alike."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.contract.conftest import Emulated
from tests.fakes.counters import FakeCounters, FakeLoginStreaks
from videoshare.adapters.counters import LoginStreaks, WindowCounters
from videoshare.domain.limits import Backoff, Window
from videoshare.infra.topology import LIMITS_TABLE
from videoshare.usecases.ports import Counters, LoginAttempts

WINDOW = Window(length_s=900, limit=3)
NOW = 1_893_499_200.0  # the start of a window


@pytest.fixture
async def counters(backend: Emulated | None) -> Counters:
    if backend is None:
        return FakeCounters()
    return WindowCounters(backend.aws.dynamodb, await backend.fresh_table(LIMITS_TABLE))


@pytest.fixture
async def streaks(backend: Emulated | None) -> LoginAttempts:
    if backend is None:
        return FakeLoginStreaks()
    return LoginStreaks(backend.aws.dynamodb, await backend.fresh_table(LIMITS_TABLE))


BACKOFF = Backoff(free=2, base_s=10.0, max_s=25.0)
DAY_S = 24 * 3600


def _key() -> str:
    return f"login-account#{uuid.uuid4().hex}"


async def test_adding_counts_within_the_window(counters: Counters) -> None:
    key = _key()
    assert await counters.hits(key, WINDOW, NOW) == 0
    assert await counters.add(key, WINDOW, NOW) == 1
    assert await counters.add(key, WINDOW, NOW + 899) == 2
    assert await counters.hits(key, WINDOW, NOW + 10) == 2
    assert await counters.hits(key, WINDOW, NOW + 900) == 0  # the next window
    assert await counters.hits(_key(), WINDOW, NOW) == 0  # another key


async def test_taking_stops_at_the_limit_and_counts_nothing_more(counters: Counters) -> None:
    key = _key()
    assert [await counters.take(key, WINDOW, NOW) for _ in range(4)] == [True, True, True, False]
    assert await counters.hits(key, WINDOW, NOW) == 3
    assert await counters.take(key, WINDOW, NOW + 900)


async def test_taking_an_amount_may_pass_the_limit_once_then_takes_nothing(
    counters: Counters,
) -> None:
    key = _key()
    assert await counters.take(key, WINDOW, NOW, amount=2)
    assert await counters.take(key, WINDOW, NOW, amount=5)  # 2 < 3: the last take goes past
    assert not await counters.take(key, WINDOW, NOW, amount=1)
    assert await counters.hits(key, WINDOW, NOW) == 7


async def test_adding_goes_past_the_limit(counters: Counters) -> None:
    key = _key()
    for _ in range(4):
        await counters.add(key, WINDOW, NOW)
    assert await counters.hits(key, WINDOW, NOW) == 4
    assert not await counters.take(key, WINDOW, NOW)


async def test_clearing_forgets_this_window_only(counters: Counters) -> None:
    key = _key()
    await counters.add(key, WINDOW, NOW - 1)  # the window before
    await counters.add(key, WINDOW, NOW)
    await counters.clear(key, WINDOW, NOW)
    assert await counters.hits(key, WINDOW, NOW) == 0
    assert await counters.hits(key, WINDOW, NOW - 1) == 1
    await counters.clear(_key(), WINDOW, NOW)  # nothing there: nothing to say


async def test_a_streak_counts_each_attempt_and_then_asks_to_wait(streaks: LoginAttempts) -> None:
    key = _key()
    assert await streaks.begin(key, BACKOFF, NOW, DAY_S) == 0  # 1: free
    assert await streaks.begin(key, BACKOFF, NOW, DAY_S) == 0  # 2: free, then 10 s
    assert await streaks.begin(key, BACKOFF, NOW + 4, DAY_S) == 6  # nothing counted
    assert await streaks.begin(key, BACKOFF, NOW + 10, DAY_S) == 0  # 3, then 20 s
    assert await streaks.begin(key, BACKOFF, NOW + 10, DAY_S) == 20
    assert await streaks.begin(key, BACKOFF, NOW + 30, DAY_S) == 0  # 4, then 25 s (the cap)
    assert await streaks.begin(key, BACKOFF, NOW + 30.5, DAY_S) == 24.5
    assert await streaks.begin(_key(), BACKOFF, NOW + 30.5, DAY_S) == 0  # another key


async def test_forgiving_or_forgetting_starts_the_streak_again(streaks: LoginAttempts) -> None:
    key = _key()
    for _ in range(2):
        await streaks.begin(key, BACKOFF, NOW, DAY_S)
    await streaks.forgive(key)
    assert await streaks.begin(key, BACKOFF, NOW, DAY_S) == 0
    assert await streaks.begin(key, BACKOFF, NOW, DAY_S) == 0
    assert await streaks.begin(key, BACKOFF, NOW, DAY_S) == 10
    assert await streaks.begin(key, BACKOFF, NOW + DAY_S, DAY_S) == 0  # forgotten: free again
    assert await streaks.begin(key, BACKOFF, NOW + DAY_S, DAY_S) == 0
    await streaks.forgive(_key())  # nothing there: nothing to say


async def test_parallel_attempts_pass_one_at_a_time(streaks: LoginAttempts) -> None:
    """Ten guesses at once: only the two free ones go on (each counted), the rest wait."""
    key = _key()
    waits = await asyncio.gather(*(streaks.begin(key, BACKOFF, NOW, DAY_S) for _ in range(10)))
    assert waits.count(0) == 2
    assert await streaks.begin(key, BACKOFF, NOW, DAY_S) > 0
