"""The metadata-indexer's and the notifier's handlers against the real emulator: the last step
to `ready`, events about videos that must be left alone, repeats, and what the owner reads."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.integration.worker_support import (
    EventSpy,
    Worker,
    dead_letters,
    deliver,
    forget_completion,
    queue_depth,
    send_raw,
    start_worker,
    store_video,
    stored,
)
from tests.records import OWNER, new_video, transcoded
from videoshare.adapters.search import SearchIndex
from videoshare.aws import AwsClients
from videoshare.bus.runtime import Outcome, Settlement
from videoshare.domain import keys
from videoshare.domain.events import (
    VideoDeleted,
    VideoDeletedData,
    VideoFailed,
    VideoFailedData,
    VideoReady,
    VideoReadyData,
    VideoRejected,
    VideoRejectedData,
    VideoUpdated,
    VideoUpdatedData,
    VideoUploaded,
    VideoUploadedData,
)
from videoshare.domain.notifications import Notification
from videoshare.domain.search_terms import parse_query
from videoshare.domain.video import Rendition, Video, VideoStatus
from videoshare.entrypoints.workers import metadata_indexer, notifier
from videoshare.infra.resources import Resources
from videoshare.infra.topology import METADATA_INDEXER, NOTIFIER, SEARCH_TABLE
from videoshare.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def indexer(settings: Settings, aws: AwsClients, resources: Resources) -> Worker:
    return start_worker(METADATA_INDEXER, metadata_indexer.definition, settings, aws, resources)


@pytest.fixture
def notifier_worker(settings: Settings, aws: AwsClients, resources: Resources) -> Worker:
    return start_worker(NOTIFIER, notifier.definition, settings, aws, resources)


@pytest.fixture
async def spy(settings: Settings, aws: AwsClients, resources: Resources) -> EventSpy:
    return await EventSpy.on_topic(aws, settings, resources)


def outcomes(settlements: list[Settlement]) -> list[Outcome]:
    return [s.outcome for s in settlements]


async def processing_video(worker: Worker) -> Video:
    return await store_video(
        worker,
        status=VideoStatus.PROCESSING,
        declared_size_bytes=48_213,
        size_bytes=48_213,
        progress=100.0,
    )


async def inbox(worker: Worker) -> list[Notification]:
    notes, _ = await worker.ctx.deps.notifications.list(OWNER, 50, None)
    return notes


# --- metadata-indexer ---------------------------------------------------------------------


async def test_a_transcoded_video_becomes_ready_with_its_metadata(
    indexer: Worker, spy: EventSpy
) -> None:
    video = await processing_video(indexer)
    event = transcoded(video)
    await deliver(indexer, event)

    assert outcomes(await indexer.drain()) == [Outcome.DONE]

    after = await stored(indexer, video.id)
    assert after.status is VideoStatus.READY
    assert (after.duration_s, after.width, after.height) == (2.02, 320, 240)
    assert after.renditions == [
        Rendition(
            name="240p",
            width=320,
            height=240,
            bitrate=311_000,
            key=keys.rendition_key(video.id, "240p"),
            size_bytes=78_544,
        )
    ]
    assert after.poster_key == keys.poster_key(video.id)
    assert after.progress is None
    assert after.version == video.version + 1
    (ready,) = await spy.published()
    assert isinstance(ready, VideoReady)
    assert ready.causation_id == event.id
    assert ready.correlation_id == video.correlation_id
    assert ready.data == VideoReadyData(video_id=video.id, owner_id=OWNER, title=video.title)


async def test_the_same_transcoded_event_again_moves_nothing_and_repeats_the_same_ready(
    indexer: Worker, spy: EventSpy
) -> None:
    video = await processing_video(indexer)
    event = transcoded(video)
    await deliver(indexer, event)
    assert outcomes(await indexer.drain()) == [Outcome.DONE]
    ready_once = await stored(indexer, video.id)

    await deliver(indexer, event)  # SQS delivers it again: its completion record drops it
    assert outcomes(await indexer.drain()) == [Outcome.DUPLICATE]
    # A crash between the write and the completion record: the handler itself runs again.
    await forget_completion(indexer, event.id)
    await deliver(indexer, event)
    assert outcomes(await indexer.drain()) == [Outcome.DONE]

    assert await stored(indexer, video.id) == ready_once
    first, second = await spy.published()
    assert isinstance(first, VideoReady)
    assert isinstance(second, VideoReady)
    assert second.id == first.id


async def test_transcoded_events_for_rejected_or_unknown_videos_change_nothing(
    indexer: Worker, spy: EventSpy
) -> None:
    rejected = await store_video(
        indexer,
        status=VideoStatus.REJECTED,
        status_code="corrupt",
        status_reason="The video cannot be decoded; it may be damaged.",
    )
    unknown = new_video(status=VideoStatus.PROCESSING)  # never stored
    for video in (rejected, unknown):
        await deliver(indexer, transcoded(video))

    assert outcomes(await indexer.drain()) == [Outcome.DONE, Outcome.DONE]

    assert await stored(indexer, rejected.id) == rejected
    assert await indexer.ctx.deps.videos.get(unknown.id) is None
    assert await spy.published() == []
    assert await dead_letters(indexer) == []


# --- metadata-indexer: the search index -----------------------------------------------------


def search_index(worker: Worker) -> SearchIndex:
    return SearchIndex(worker.ctx.deps.aws.dynamodb, worker.ctx.deps.settings.table(SEARCH_TABLE))


async def found(worker: Worker, q: str) -> list[str]:
    return (await search_index(worker).search(parse_query(q, None), 50, None)).video_ids


def updated_event(video: Video, changed: list[str]) -> VideoUpdated:
    return VideoUpdated(
        correlation_id="req-edit",
        producer="ingress",
        data=VideoUpdatedData(video_id=video.id, owner_id=video.owner_id, changed=changed),
    )


def deleted_event(video: Video) -> VideoDeleted:
    return VideoDeleted(
        correlation_id="req-delete",
        producer="ingress",
        data=VideoDeletedData(video_id=video.id, owner_id=video.owner_id),
    )


async def test_a_video_becoming_ready_and_public_is_found_by_its_title(indexer: Worker) -> None:
    video = await processing_video(indexer)  # public, "Sunset over the harbour"
    await deliver(indexer, transcoded(video))
    assert outcomes(await indexer.drain()) == [Outcome.DONE]
    assert await found(indexer, "HARBOUR sunset") == [video.id]
    assert await found(indexer, "harbour moon") == []


async def test_change_events_index_what_the_record_says_whatever_their_order(
    indexer: Worker,
) -> None:
    video = await store_video(indexer, status=VideoStatus.READY)
    await deliver(indexer, updated_event(video, ["title"]))
    assert outcomes(await indexer.drain()) == [Outcome.DONE]
    assert await found(indexer, "harbour") == [video.id]
    # a late or replayed `video.deleted` for a video that is (again) not deleted: no change
    await deliver(indexer, deleted_event(video))
    assert outcomes(await indexer.drain()) == [Outcome.DONE]
    assert await found(indexer, "harbour") == [video.id]
    # the record is deleted; whichever event comes next removes its entries
    await indexer.ctx.deps.videos.save(video.deleted(), expected=video)
    await deliver(indexer, updated_event(video, ["visibility"]))
    assert outcomes(await indexer.drain()) == [Outcome.DONE]
    assert await found(indexer, "harbour") == []


async def test_change_events_for_unknown_videos_or_of_the_wrong_shape(indexer: Worker) -> None:
    unknown = new_video(status=VideoStatus.READY)  # never stored
    await deliver(indexer, updated_event(unknown, ["title"]))
    broken = updated_event(unknown, ["title"]).model_dump(mode="json")
    del broken["data"]["changed"]
    await send_raw(indexer, json.dumps(broken))
    assert sorted(outcomes(await indexer.drain())) == sorted([Outcome.DONE, Outcome.REJECTED])
    assert await found(indexer, "harbour") == []
    (letter,) = await dead_letters(indexer)
    assert letter.attributes["code"] == "malformed"


# --- notifier -----------------------------------------------------------------------------


def ready_event(video: Video) -> VideoReady:
    return VideoReady(
        correlation_id=video.correlation_id or "req-missing",
        producer="metadata-indexer",
        data=VideoReadyData(video_id=video.id, owner_id=video.owner_id, title=video.title),
    )


async def test_video_ready_makes_exactly_one_inbox_entry(notifier_worker: Worker) -> None:
    video = await store_video(notifier_worker, status=VideoStatus.READY, title="Harbour, 6 pm")
    event = ready_event(video)
    await deliver(notifier_worker, event)

    assert outcomes(await notifier_worker.drain()) == [Outcome.DONE]

    (note,) = await inbox(notifier_worker)
    assert note.id == event.id
    assert (note.type, note.video_id, note.user_id) == ("video.ready", video.id, OWNER)
    assert note.message == "“Harbour, 6 pm” is ready to watch."
    assert await queue_depth(notifier_worker) == 0


async def test_the_same_ready_event_twice_still_makes_one_entry(notifier_worker: Worker) -> None:
    video = await store_video(notifier_worker, status=VideoStatus.READY)
    event = ready_event(video)
    await deliver(notifier_worker, event)
    assert outcomes(await notifier_worker.drain()) == [Outcome.DONE]

    await deliver(notifier_worker, event)
    assert outcomes(await notifier_worker.drain()) == [Outcome.DUPLICATE]
    # Even when the handler runs again (its completion record lost), the entry is not doubled.
    await forget_completion(notifier_worker, event.id)
    await deliver(notifier_worker, event)
    assert outcomes(await notifier_worker.drain()) == [Outcome.DONE]

    (note,) = await inbox(notifier_worker)
    assert note.id == event.id


async def test_the_same_ready_event_published_again_later_still_makes_one_entry(
    notifier_worker: Worker,
) -> None:
    video = await store_video(notifier_worker, status=VideoStatus.READY)
    event = ready_event(video)
    await deliver(notifier_worker, event)
    assert outcomes(await notifier_worker.drain()) == [Outcome.DONE]
    # The notifier could not record the completion; then the indexer, repairing its own crash,
    # publishes the event again: the same id (a follow-up id), a later occurred_at.
    await forget_completion(notifier_worker, event.id)
    again = event.model_copy(update={"occurred_at": event.occurred_at + timedelta(seconds=5)})
    await deliver(notifier_worker, again)
    assert outcomes(await notifier_worker.drain()) == [Outcome.DONE]

    (note,) = await inbox(notifier_worker)
    assert note.id == event.id


async def test_a_rejection_or_a_failure_tells_the_owner_why(notifier_worker: Worker) -> None:
    rejected_video = await store_video(
        notifier_worker, status=VideoStatus.REJECTED, title="Birthday"
    )
    failed_video = await store_video(notifier_worker, status=VideoStatus.FAILED, title="Lake")
    reason = "The upload was 1,024 bytes but 2,048 bytes were declared; upload the file again."
    rejected = VideoRejected(
        correlation_id="req-1",
        producer="upload-finalizer",
        data=VideoRejectedData(
            video_id=rejected_video.id, owner_id=OWNER, code="size_mismatch", reason=reason
        ),
    )
    failed = VideoFailed(
        correlation_id="req-2",
        producer="transcoder",
        data=VideoFailedData(
            video_id=failed_video.id,
            owner_id=OWNER,
            reason="The video could not be processed; try again.",
        ),
    )
    await deliver(notifier_worker, rejected)
    await deliver(notifier_worker, failed)

    assert outcomes(await notifier_worker.drain()) == [Outcome.DONE, Outcome.DONE]

    messages = {n.video_id: (n.type, n.message) for n in await inbox(notifier_worker)}
    assert messages == {
        rejected_video.id: ("video.rejected", f"“Birthday” was not accepted: {reason}"),
        failed_video.id: (
            "video.failed",
            "“Lake” could not be processed: The video could not be processed; try again.",
        ),
    }


def uploaded_event(video: Video) -> VideoUploaded:
    return VideoUploaded(
        correlation_id="req-3",
        producer="upload-finalizer",
        data=VideoUploadedData(
            video_id=video.id,
            owner_id=OWNER,
            source_key=video.source_key,
            size_bytes=10,
            content_type="video/mp4",
        ),
    )


async def test_events_the_notifier_does_not_know_go_to_the_dlq_with_a_reason(
    notifier_worker: Worker,
) -> None:
    video = await store_video(notifier_worker)
    # A domain event it has no handler for, and one that is no domain event at all.
    await deliver(notifier_worker, uploaded_event(video))
    exploded = ready_event(video).model_dump(mode="json") | {"type": "video.exploded"}
    await send_raw(notifier_worker, json.dumps(exploded))

    assert outcomes(await notifier_worker.drain()) == [Outcome.REJECTED, Outcome.REJECTED]

    reasons = {
        d.attributes["code"]: d.attributes["reason"] for d in await dead_letters(notifier_worker)
    }
    assert (
        reasons["unknown_type"] == "notifier has no handler for messages of type 'video.uploaded'"
    )
    assert reasons["malformed"].startswith("not a valid domain event: ")
    assert await inbox(notifier_worker) == []
    assert await queue_depth(notifier_worker) == 0
