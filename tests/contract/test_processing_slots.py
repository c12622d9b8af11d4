"""`ProcessingSlots`: `FakeProcessingSlots` and `adapters.processing_slots.ProcessingSlotTable`
(DynamoDB) hand out slots alike: at most the limit per owner, kept by the video holding one,
released once, and lapsed ones freed for the next taker."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.contract.conftest import Emulated
from tests.fakes.processing_slots import FakeProcessingSlots
from videoshare.adapters.processing_slots import ProcessingSlotTable
from videoshare.infra.topology import LIMITS_TABLE
from videoshare.usecases.ports import ProcessingSlots

NOW = 1_893_499_200.0
TTL = 600


@pytest.fixture
async def slots(backend: Emulated | None) -> ProcessingSlots:
    if backend is None:
        return FakeProcessingSlots()
    return ProcessingSlotTable(backend.aws.dynamodb, await backend.fresh_table(LIMITS_TABLE))


def _id() -> str:
    return uuid.uuid4().hex


async def take(slots: ProcessingSlots, owner: str, video: str, now: float = NOW) -> bool:
    return await slots.take(owner, video, limit=2, now=now, ttl_s=TTL)


async def test_an_owner_holds_at_most_the_limit_and_others_their_own(
    slots: ProcessingSlots,
) -> None:
    owner = _id()
    assert [await take(slots, owner, _id()) for _ in range(3)] == [True, True, False]
    assert await slots.held(owner, NOW) == 2
    assert await take(slots, _id(), _id())  # another owner's own


async def test_a_video_holding_a_slot_keeps_it_and_its_expiry_moves_on(
    slots: ProcessingSlots,
) -> None:
    owner, video = _id(), _id()
    assert await take(slots, owner, video)
    assert await take(slots, owner, _id())
    assert await take(slots, owner, video, now=NOW + TTL - 1)  # again, when all are taken
    # the other slot lapsed at NOW + TTL; the video's own lives on until NOW + 2 * TTL - 1
    assert await slots.held(owner, NOW + TTL) == 1


async def test_a_release_frees_once_whatever_repeats(slots: ProcessingSlots) -> None:
    owner, video = _id(), _id()
    assert await take(slots, owner, video)
    assert await take(slots, owner, _id())
    await asyncio.gather(*(slots.release(owner, video) for _ in range(3)))
    await slots.release(owner, _id())  # never held
    await slots.release(_id(), _id())  # an owner with nothing
    assert await slots.held(owner, NOW) == 1
    assert await take(slots, owner, _id())
    assert not await take(slots, owner, _id())


async def test_lapsed_slots_are_freed_for_the_next_taker(slots: ProcessingSlots) -> None:
    """A process killed while holding slots never releases them: they lapse."""
    owner = _id()
    assert await take(slots, owner, _id())
    assert await take(slots, owner, _id())
    assert not await take(slots, owner, _id(), now=NOW + TTL - 1)
    assert await take(slots, owner, _id(), now=NOW + TTL)
    assert await take(slots, owner, _id(), now=NOW + TTL)
    assert not await take(slots, owner, _id(), now=NOW + TTL)


async def test_parallel_takers_cannot_pass_the_limit_together(slots: ProcessingSlots) -> None:
    owner = _id()
    granted = await asyncio.gather(*(take(slots, owner, _id()) for _ in range(6)))
    assert granted.count(True) == 2
    assert await slots.held(owner, NOW) == 2


async def test_forgetting_an_owner_drops_every_slot(slots: ProcessingSlots) -> None:
    owner, other = _id(), _id()
    assert await take(slots, owner, _id())
    assert await take(slots, other, _id())
    await slots.forget(owner)
    await slots.forget(_id())  # an owner with nothing
    assert await slots.held(owner, NOW) == 0
    assert await slots.held(other, NOW) == 1
