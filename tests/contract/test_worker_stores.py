"""One suite per port, two implementations each: the fakes the workers' use-case tests run on
(`tests/fakes/`) and the adapters on the emulator's DynamoDB and SQS (marked `integration`,
one provisioned stack for the module, every test on ids of its own).

    TermIndex.reindex        FakeTermIndex        SearchIndex
    Inbox.add                FakeInbox              NotificationRepository
    WebhookRegistry          FakeWebhookRegistry    WebhookRepository
    DeliveryQueue            FakeDeliveryQueue      WebhookDeliveries
    PendingVideoIndex        FakePendingVideos      PendingVideos (its store: FakeVideoStore,
                                                    VideoRepository)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.fakes.notifications import FakeInbox
from tests.fakes.pending_videos import FakePendingVideos
from tests.fakes.search import FakeTermIndex
from tests.fakes.videos import FakeVideoStore
from tests.fakes.webhook_delivery import FakeDeliveryQueue
from tests.fakes.webhooks import FakeWebhookRegistry
from tests.integration.bus_support import take_all
from tests.records import new_video
from tests.support import unique_stack
from videoshare.adapters.notifications import NotificationRepository
from videoshare.adapters.pending_videos import PendingVideos
from videoshare.adapters.search import SearchIndex
from videoshare.adapters.videos import VideoRepository
from videoshare.adapters.webhooks import WebhookDeliveries, WebhookRepository
from videoshare.aws import AwsClients, open_clients
from videoshare.domain.events import utc_now
from videoshare.domain.notifications import Notification
from videoshare.domain.search_terms import parse_query
from videoshare.domain.video import VideoStatus, Visibility
from videoshare.domain.webhooks import Delivery
from videoshare.infra.provision import provision
from videoshare.infra.resources import Resources
from videoshare.infra.topology import (
    NOTIFICATIONS_TABLE,
    SEARCH_TABLE,
    VIDEOS_TABLE,
    WEBHOOK_SENDER,
    WEBHOOKS_TABLE,
)
from videoshare.local.emulator import Emulator
from videoshare.settings import Settings
from videoshare.usecases.ports import DeliveryQueue, Inbox, TermIndex, WebhookRegistry


@dataclass(frozen=True)
class Stack:
    settings: Settings
    aws: AwsClients
    resources: Resources


@pytest.fixture(scope="module")
async def stack(emulator: Emulator) -> AsyncIterator[Stack]:
    settings = Settings(
        stack=unique_stack("contract"),
        aws_endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    async with open_clients(settings) as aws:
        yield Stack(settings, aws, await provision(aws, settings))


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.integration)])
def real(request: pytest.FixtureRequest) -> Stack | None:
    """None for the fakes; the provisioned stack for the adapters."""
    if request.param == "fake":
        return None
    provisioned: Stack = request.getfixturevalue("stack")
    return provisioned


# --- TermIndex.reindex ------------------------------------------------------------------------


async def test_the_index_follows_the_record_and_finds_only_ready_public_videos(
    real: Stack | None,
) -> None:
    word = f"w{uuid.uuid4().hex[:12]}"  # a word no other test's video has
    index: TermIndex
    if real is None:
        fake = FakeTermIndex()
        index, found = fake, _fake_found(fake)
    else:
        adapter = SearchIndex(real.aws.dynamodb, real.settings.table(SEARCH_TABLE))
        index, found = adapter, _real_found(adapter)
    video = new_video(title=f"Harbour {word}", status=VideoStatus.READY)

    await index.reindex(video.id, video)
    assert await found(word) == [video.id]
    assert await found(f"{word} harbour") == [video.id]
    assert await found(f"{word} moon") == []

    retitled = video.model_copy(update={"title": f"Moonrise {word}"})
    await index.reindex(video.id, retitled)
    assert await found(f"{word} moonrise") == [video.id]
    assert await found(f"{word} harbour") == []

    await index.reindex(video.id, retitled.model_copy(update={"visibility": Visibility.PRIVATE}))
    assert await found(word) == []
    await index.reindex(video.id, retitled)
    await index.reindex(video.id, None)  # the record is gone
    assert await found(word) == []


Found = Callable[[str], Awaitable[list[str]]]  # the ids a query finds, newest first


def _fake_found(fake: FakeTermIndex) -> Found:
    async def found(q: str) -> list[str]:
        return fake.found(parse_query(q, None))

    return found


def _real_found(adapter: SearchIndex) -> Found:
    async def found(q: str) -> list[str]:
        return (await adapter.search(parse_query(q, None), 50, None)).video_ids

    return found


# --- Inbox.add ------------------------------------------------------------------------------


async def test_a_notification_is_added_once_whatever_its_time(real: Stack | None) -> None:
    inbox = (
        FakeInbox()
        if real is None
        else NotificationRepository(real.aws.dynamodb, real.settings.table(NOTIFICATIONS_TABLE))
    )
    writer: Inbox = inbox
    user_id = f"user-{uuid.uuid4().hex}"
    note = Notification(
        id=str(uuid.uuid4()),
        user_id=user_id,
        type="video.ready",
        video_id="v" * 32,
        created_at=utc_now(),
        message="“Harbour” is ready to watch.",
    )

    assert await writer.add(note) is True
    assert await writer.add(note) is False
    later = note.model_copy(update={"created_at": note.created_at + timedelta(seconds=5)})
    assert await writer.add(later) is False

    notes, _ = await inbox.list(user_id, 10, None)
    assert notes == [note]


# --- WebhookRegistry --------------------------------------------------------------------------


async def test_a_webhook_is_read_as_last_put_and_gone_once_deleted(real: Stack | None) -> None:
    registry: WebhookRegistry = (
        FakeWebhookRegistry()
        if real is None
        else WebhookRepository(real.aws.dynamodb, real.settings.table(WEBHOOKS_TABLE))
    )
    user_id = f"user-{uuid.uuid4().hex}"
    assert await registry.get(user_id) is None

    first = await registry.put(user_id, "https://hooks.example/a")
    second = await registry.put(user_id, "https://hooks.example/b")

    assert second.secret != first.secret  # a fresh secret on every put
    assert second.secret.startswith("whsec_")
    assert await registry.get(user_id) == second
    assert await registry.delete(user_id) is True
    assert await registry.delete(user_id) is False
    assert await registry.get(user_id) is None


# --- DeliveryQueue ----------------------------------------------------------------------------


async def test_a_delivery_queued_is_handed_out_as_it_was(real: Stack | None) -> None:
    delivery = Delivery(
        delivery_id=str(uuid.uuid4()),
        user_id="user-1",
        event_type="video.ready",
        correlation_id="req-1",
        payload={"occurred_at": "2026-01-01T00:00:00+00:00", "data": {"video_id": "v"}},
        attempt=2,
        first_attempt_at=1_700_000_000.0,
        not_before=1_700_000_090.0,
    )
    if real is None:
        fake = FakeDeliveryQueue()
        await _enqueue(fake, delivery)
        handed_out = [queued.delivery for queued in fake.queued]
    else:
        url = real.resources.queue_urls[WEBHOOK_SENDER]
        await _enqueue(WebhookDeliveries(real.aws.sqs, url), delivery)
        messages = await take_all(real.aws.sqs, url)
        handed_out = [Delivery.model_validate_json(m["Body"]) for m in messages]

    assert handed_out == [delivery]


async def _enqueue(queue: DeliveryQueue, delivery: Delivery) -> None:
    await queue.enqueue(delivery, 0)


# --- PendingVideoIndex ------------------------------------------------------------------------


async def test_pending_videos_of_a_status_updated_before_a_time_oldest_first(
    real: Stack | None,
) -> None:
    store: FakeVideoStore | VideoRepository
    index: FakePendingVideos | PendingVideos
    if real is None:
        store = FakeVideoStore()
        index = FakePendingVideos(store)
    else:
        table = real.settings.table(VIDEOS_TABLE)
        store, index = (
            VideoRepository(real.aws.dynamodb, table),
            PendingVideos(real.aws.dynamodb, table),
        )
    now = utc_now()  # the only videos of this module's stack are this test's
    made = {}
    for name, status, age_min in [
        ("oldest", VideoStatus.UPLOADED, 50),
        ("older", VideoStatus.UPLOADED, 40),
        ("newer", VideoStatus.UPLOADED, 5),
        ("other-status", VideoStatus.PROCESSING, 45),
        ("done", VideoStatus.READY, 45),
    ]:
        at = now - timedelta(minutes=age_min)
        made[name] = new_video(status=status, created_at=at, updated_at=at, size_bytes=1)
        await store.create(made[name])
    cutoff = now - timedelta(minutes=10)

    async def pending(status: VideoStatus) -> list[str]:
        return [v.id async for v in index.before(status, cutoff)]

    assert await pending(VideoStatus.UPLOADED) == [made["oldest"].id, made["older"].id]
    assert await pending(VideoStatus.PROCESSING) == [made["other-status"].id]
    assert await pending(VideoStatus.READY) == []
