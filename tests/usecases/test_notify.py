"""Notifying an owner against the fakes: the sentence in the inbox, one entry per event however
often it comes, and the first webhook delivery (only for an owner with a webhook)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fakes.workers import WorkerFakes
from tests.records import OWNER
from tests.usecases.workers_support import store_video
from videoshare.domain.events import VideoReady, VideoReadyData, video_failed, video_rejected
from videoshare.domain.notifications import Notification
from videoshare.domain.video import Video, VideoStatus
from videoshare.domain.webhooks import delivery_id
from videoshare.usecases.notify import notify_owner

NOW = 1_700_000_000.0


@pytest.fixture
def fakes() -> WorkerFakes:
    return WorkerFakes()


async def inbox(fakes: WorkerFakes) -> list[Notification]:
    notes, _ = await fakes.notifications.list(OWNER, 50, None)
    return notes


def ready(video: Video) -> VideoReady:
    return VideoReady(
        correlation_id=video.correlation_id or "req-missing",
        producer="metadata-indexer",
        data=VideoReadyData(video_id=video.id, owner_id=video.owner_id, title=video.title),
    )


async def test_video_ready_makes_one_inbox_entry_that_says_so(fakes: WorkerFakes) -> None:
    video = await store_video(fakes, status=VideoStatus.READY, title="Harbour, 6 pm")
    event = ready(video)

    await notify_owner(fakes, event, now=NOW)

    (note,) = await inbox(fakes)
    assert (note.id, note.type, note.video_id) == (event.id, "video.ready", video.id)
    assert (note.created_at, note.message) == (
        event.occurred_at,
        "“Harbour, 6 pm” is ready to watch.",
    )


async def test_a_rejection_or_a_failure_tells_the_owner_why(fakes: WorkerFakes) -> None:
    rejected_video = await store_video(fakes, status=VideoStatus.REJECTED, title="Birthday")
    failed_video = await store_video(fakes, status=VideoStatus.FAILED, title="Lake")
    reason = "The upload was 1,024 bytes but 2,048 bytes were declared; upload the file again."
    rejected = video_rejected(
        rejected_video, "size_mismatch", reason, cause_id="s3:1", producer="upload-finalizer"
    )
    failed = video_failed(
        failed_video, "The video could not be processed; try again.", cause_id="m-2", producer="t"
    )

    await notify_owner(fakes, rejected, now=NOW)
    await notify_owner(fakes, failed, now=NOW)

    messages = {n.video_id: (n.type, n.message) for n in await inbox(fakes)}
    assert messages == {
        rejected_video.id: ("video.rejected", f"“Birthday” was not accepted: {reason}"),
        failed_video.id: (
            "video.failed",
            "“Lake” could not be processed: The video could not be processed; try again.",
        ),
    }


async def test_a_video_gone_meanwhile_is_called_your_video(fakes: WorkerFakes) -> None:
    video = await store_video(fakes, status=VideoStatus.FAILED)
    event = video_failed(video, "It broke.", cause_id="m-1", producer="transcoder")
    del fakes.videos.records[video.id]

    await notify_owner(fakes, event, now=NOW)

    (note,) = await inbox(fakes)
    assert note.message == "“Your video” could not be processed: It broke."


async def test_the_same_event_again_even_later_still_makes_one_entry(fakes: WorkerFakes) -> None:
    video = await store_video(fakes, status=VideoStatus.READY)
    event = ready(video)
    # published again by the indexer repairing a crash: the same id, a later occurred_at
    again = event.model_copy(update={"occurred_at": event.occurred_at + timedelta(seconds=5)})

    await notify_owner(fakes, event, now=NOW)
    await notify_owner(fakes, event, now=NOW)
    await notify_owner(fakes, again, now=NOW)

    (note,) = await inbox(fakes)
    assert (note.id, note.created_at) == (event.id, event.occurred_at)


async def test_an_owner_with_a_webhook_gets_a_delivery_each_time_with_one_id(
    fakes: WorkerFakes,
) -> None:
    await fakes.webhooks.put(OWNER, "https://hooks.example/in")
    video = await store_video(fakes, status=VideoStatus.READY)
    event = ready(video)

    await notify_owner(fakes, event, now=NOW)
    await notify_owner(fakes, event, now=NOW + 60)  # receivers de-duplicate by delivery id

    first, second = fakes.deliveries.queued
    assert first.delay_s == second.delay_s == 0
    assert first.delivery.delivery_id == second.delivery.delivery_id == delivery_id(event.id)
    delivery = first.delivery
    assert (delivery.user_id, delivery.event_type, delivery.attempt) == (OWNER, "video.ready", 0)
    assert (delivery.correlation_id, delivery.first_attempt_at) == (event.correlation_id, NOW)
    assert delivery.payload == {
        "occurred_at": event.occurred_at.isoformat(),
        "data": {"video_id": video.id, "owner_id": OWNER, "title": video.title},
    }


async def test_an_owner_without_a_webhook_gets_no_delivery(fakes: WorkerFakes) -> None:
    await fakes.webhooks.put("somebody-else", "https://hooks.example/in")
    video = await store_video(fakes, status=VideoStatus.READY)

    await notify_owner(fakes, ready(video), now=NOW)

    assert fakes.deliveries.queued == []
    assert len(await inbox(fakes)) == 1
