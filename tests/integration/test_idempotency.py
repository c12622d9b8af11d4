"""Idempotency records in the real emulator's DynamoDB, alone and under the consumer runtime.

The store's clock is a parameter, so expiry is tested by moving time rather than waiting for it
(moto never deletes expired items, which is the case the store's own comparisons are for).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.integration.bus_support import (
    make_idempotency_table,
    make_queue_pair,
    messages_in_queue,
    send_event,
    uploaded_event,
)
from tests.support import eventually
from videoshare.aws import AwsClients
from videoshare.bus.idempotency import AlreadyDone, Claim, HeldElsewhere, IdempotencyStore
from videoshare.bus.runtime import Consumer, ConsumerConfig, Outcome, Settlement
from videoshare.domain.events import VideoUploaded
from videoshare.entrypoints.workers.messages import decode_event
from videoshare.settings import Settings

pytestmark = pytest.mark.integration

IN_PROGRESS_EXPIRY_S = 10
TTL_S = 3600


class Clock:
    """Epoch seconds that only move when a test moves them."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def table(aws: AwsClients, settings: Settings) -> str:
    return await make_idempotency_table(aws.dynamodb, settings)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def store_for(aws: AwsClients, table: str, clock: Clock) -> IdempotencyStore:
    """One worker's store (each call stands for another worker on the same table)."""
    return IdempotencyStore(
        aws.dynamodb, table, ttl_s=TTL_S, in_progress_expiry_s=IN_PROGRESS_EXPIRY_S, clock=clock
    )


async def test_a_live_claim_is_held_against_everyone_else(
    aws: AwsClients, table: str, clock: Clock
) -> None:
    first, second = store_for(aws, table, clock), store_for(aws, table, clock)

    assert isinstance(await first.begin("indexer:e1"), Claim)
    clock.advance(3)
    held = await second.begin("indexer:e1")

    assert isinstance(held, HeldElsewhere)
    assert IN_PROGRESS_EXPIRY_S - 4 <= held.expires_in_s <= IN_PROGRESS_EXPIRY_S - 3 + 1


async def test_an_expired_in_progress_claim_is_taken_over(
    aws: AwsClients, table: str, clock: Clock
) -> None:
    crashed, other, third = (store_for(aws, table, clock) for _ in range(3))
    stale = await crashed.begin("indexer:e1")
    assert isinstance(stale, Claim)

    clock.advance(IN_PROGRESS_EXPIRY_S + 1)
    taken = await other.begin("indexer:e1")

    assert isinstance(taken, Claim)
    assert taken.owner != stale.owner
    # The old owner, back from the dead, can neither extend nor release the new claim.
    assert await crashed.extend(stale) is False
    await crashed.release(stale)
    assert isinstance(await third.begin("indexer:e1"), HeldElsewhere)


async def test_extending_a_claim_keeps_it_from_expiring(
    aws: AwsClients, table: str, clock: Clock
) -> None:
    worker, other = store_for(aws, table, clock), store_for(aws, table, clock)
    claim = await worker.begin("transcoder:e1")
    assert isinstance(claim, Claim)

    clock.advance(IN_PROGRESS_EXPIRY_S - 2)
    assert await worker.extend(claim) is True
    clock.advance(IN_PROGRESS_EXPIRY_S - 2)  # past the first expiry, within the extended one

    assert isinstance(await other.begin("transcoder:e1"), HeldElsewhere)


async def test_completed_means_already_done_until_its_ttl_passes(
    aws: AwsClients, table: str, clock: Clock
) -> None:
    worker, other = store_for(aws, table, clock), store_for(aws, table, clock)
    claim = await worker.begin("notifier:e1")
    assert isinstance(claim, Claim)
    await worker.complete(claim)

    clock.advance(TTL_S - 10)
    assert await other.begin("notifier:e1") == AlreadyDone("notifier:e1")
    clock.advance(20)  # the item is still there (moto never deletes), but it has expired
    assert isinstance(await other.begin("notifier:e1"), Claim)


async def test_a_released_claim_can_be_taken_at_once(
    aws: AwsClients, table: str, clock: Clock
) -> None:
    worker, retry = store_for(aws, table, clock), store_for(aws, table, clock)
    claim = await worker.begin("notifier:e1")
    assert isinstance(claim, Claim)

    await worker.release(claim)

    assert isinstance(await retry.begin("notifier:e1"), Claim)


@asynccontextmanager
async def running(consumer: Consumer) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def test_the_same_event_delivered_twice_has_its_effect_once(
    aws: AwsClients, settings: Settings, table: str
) -> None:
    queues = await make_queue_pair(aws.sqs, settings)
    effects: list[str] = []

    async def handler(event: VideoUploaded) -> None:
        effects.append(event.id)

    settlements: list[Settlement] = []
    consumer = Consumer(
        aws.sqs,
        ConsumerConfig("tests", queues.url, queues.dlq_url, wait_time_s=1, visibility_timeout_s=5),
        handlers={"video.uploaded": handler},
        decode=decode_event,
        idempotency=IdempotencyStore(aws.dynamodb, table, ttl_s=TTL_S, in_progress_expiry_s=1),
        on_settled=settlements.append,
    )
    event = uploaded_event()
    await send_event(aws.sqs, queues.url, event)  # two SQS messages, one event id
    await send_event(aws.sqs, queues.url, event)

    async with running(consumer):
        await eventually(
            lambda: {s.outcome for s in settlements} >= {Outcome.DONE, Outcome.DUPLICATE},
            timeout_s=15,
            what="one delivery done and the other found to be a duplicate",
        )

    assert effects == [event.id]
    outcomes = [s.outcome for s in settlements]
    assert outcomes.count(Outcome.DONE) == 1
    assert outcomes.count(Outcome.DUPLICATE) == 1
    assert await messages_in_queue(aws.sqs, queues.url) == 0


async def test_a_crashed_workers_claim_is_taken_over_once_it_expires(
    aws: AwsClients, settings: Settings, table: str
) -> None:
    queues = await make_queue_pair(aws.sqs, settings)
    event = uploaded_event()
    crashed = IdempotencyStore(aws.dynamodb, table, ttl_s=TTL_S, in_progress_expiry_s=2)
    # A worker claimed the event and died: its claim is never completed nor released.
    assert isinstance(await crashed.begin(f"tests:{event.id}"), Claim)

    effects: list[str] = []

    async def handler(event: VideoUploaded) -> None:
        effects.append(event.id)

    settlements: list[Settlement] = []
    consumer = Consumer(
        aws.sqs,
        ConsumerConfig("tests", queues.url, queues.dlq_url, wait_time_s=1, visibility_timeout_s=5),
        handlers={"video.uploaded": handler},
        decode=decode_event,
        idempotency=IdempotencyStore(aws.dynamodb, table, ttl_s=TTL_S, in_progress_expiry_s=2),
        on_settled=settlements.append,
    )
    await send_event(aws.sqs, queues.url, event)

    async with running(consumer):
        await eventually(
            lambda: any(s.outcome is Outcome.DONE for s in settlements),
            timeout_s=15,
            what="the event handled after the stale claim expired",
        )

    assert effects == [event.id]
    assert settlements[0].outcome is Outcome.RETRY
    assert settlements[0].reason == "being handled by another worker"
    assert [s.outcome for s in settlements][-1] is Outcome.DONE
    assert await messages_in_queue(aws.sqs, queues.url) == 0
