"""`Counters`: `FakeCounters` and `adapters.counters.WindowCounters` (DynamoDB) count alike."""

from __future__ import annotations

import uuid

import pytest

from tests.contract.conftest import Emulated
from tests.fakes.counters import FakeCounters
from videoshare.adapters.counters import WindowCounters
from videoshare.domain.limits import Window
from videoshare.infra.topology import LIMITS_TABLE
from videoshare.usecases.ports import Counters

WINDOW = Window(length_s=900, limit=3)
NOW = 1_893_499_200.0  # the start of a window


@pytest.fixture
async def counters(backend: Emulated | None) -> Counters:
    if backend is None:
        return FakeCounters()
    return WindowCounters(backend.aws.dynamodb, await backend.fresh_table(LIMITS_TABLE))


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
