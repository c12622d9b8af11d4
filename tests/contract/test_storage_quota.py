"""`StorageQuota`: `FakeStorageQuota` and `adapters.storage_quota.StorageReservations`
(DynamoDB) reserve and release alike: within the quota only, once per video."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.contract.conftest import Emulated
from tests.fakes.storage_quota import FakeStorageQuota
from videoshare.adapters.storage_quota import StorageReservations
from videoshare.infra.topology import LIMITS_TABLE
from videoshare.usecases.ports import StorageQuota

QUOTA = 1000


@pytest.fixture
async def quota(backend: Emulated | None) -> StorageQuota:
    if backend is None:
        return FakeStorageQuota()
    return StorageReservations(backend.aws.dynamodb, await backend.fresh_table(LIMITS_TABLE))


def _id() -> str:
    return uuid.uuid4().hex


async def test_reservations_fit_the_quota_or_reserve_nothing(quota: StorageQuota) -> None:
    owner = _id()
    assert await quota.reserve(owner, _id(), 600, QUOTA)
    assert await quota.reserve(owner, _id(), 400, QUOTA)  # exactly the quota
    assert not await quota.reserve(owner, _id(), 1, QUOTA)
    assert not await quota.reserve(_id(), _id(), QUOTA + 1, QUOTA)
    assert await quota.reserved_bytes(owner) == 1000
    assert await quota.reserve(_id(), _id(), 1, QUOTA)  # another owner's own


async def test_a_video_reserves_once(quota: StorageQuota) -> None:
    owner, video = _id(), _id()
    assert await quota.reserve(owner, video, 100, QUOTA)
    assert not await quota.reserve(owner, video, 100, QUOTA)
    assert await quota.reserved_bytes(owner) == 100


async def test_a_release_gives_back_once_whatever_repeats(quota: StorageQuota) -> None:
    owner, video = _id(), _id()
    assert await quota.reserve(owner, video, 700, QUOTA)
    assert await quota.reserve(owner, _id(), 300, QUOTA)
    await asyncio.gather(*(quota.release(owner, video) for _ in range(3)))
    await quota.release(owner, video)
    await quota.release(owner, _id())  # never reserved
    await quota.release(_id(), _id())  # an owner with nothing
    assert await quota.reserved_bytes(owner) == 300
    assert await quota.reserve(owner, _id(), 700, QUOTA)


async def test_parallel_reservations_cannot_pass_the_quota_together(quota: StorageQuota) -> None:
    owner = _id()
    granted = await asyncio.gather(*(quota.reserve(owner, _id(), 300, QUOTA) for _ in range(8)))
    assert granted.count(True) == 3
    assert await quota.reserved_bytes(owner) == 900


async def test_forgetting_an_owner_drops_every_reservation_of_theirs(quota: StorageQuota) -> None:
    owner, other = _id(), _id()
    assert await quota.reserve(owner, _id(), 10, 100)
    assert await quota.reserve(other, _id(), 7, 100)
    await quota.forget(owner)
    await quota.forget(_id())  # nothing kept: no error
    assert (await quota.reserved_bytes(owner), await quota.reserved_bytes(other)) == (0, 7)
