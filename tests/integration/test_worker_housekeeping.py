"""housekeeping against the real emulator: deleted videos lose every object; the sweep expires
abandoned uploads and re-publishes what stuck videos wait for, reading only the sparse index."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.integration.worker_support import (
    EventSpy,
    Worker,
    deliver,
    object_keys,
    queue_depth,
    start_worker,
    store_video,
    stored,
)
from videoshare.aws import AwsClients
from videoshare.bus.settlement import Outcome
from videoshare.domain import keys
from videoshare.domain.events import (
    VideoDeleted,
    VideoDeletedData,
    VideoRejected,
    VideoRejectedData,
    follow_up_id,
    utc_now,
)
from videoshare.domain.sweep_plan import UPLOAD_EXPIRED_CODE
from videoshare.domain.video import VideoStatus
from videoshare.entrypoints.workers import housekeeping
from videoshare.infra.resources import Resources
from videoshare.infra.topology import HOUSEKEEPING, VIDEOS_TABLE
from videoshare.settings import Settings

pytestmark = pytest.mark.integration

LONG_AGO = timedelta(hours=2)


@pytest.fixture
def worker(settings: Settings, aws: AwsClients, resources: Resources) -> Worker:
    return start_worker(HOUSEKEEPING, housekeeping.definition, settings, aws, resources)


async def put(worker: Worker, key: str) -> None:
    await worker.ctx.deps.aws.s3.put_object(
        Bucket=worker.ctx.deps.resources.bucket, Key=key, Body=b"x"
    )


async def open_multipart(worker: Worker, key: str) -> str:
    answer = await worker.ctx.deps.aws.s3.create_multipart_upload(
        Bucket=worker.ctx.deps.resources.bucket, Key=key
    )
    return answer["UploadId"]


async def open_uploads(worker: Worker, prefix: str) -> list[str]:
    answer = await worker.ctx.deps.aws.s3.list_multipart_uploads(
        Bucket=worker.ctx.deps.resources.bucket, Prefix=prefix
    )
    return [u["Key"] for u in answer.get("Uploads", [])]


def deleted_event(video_id: str) -> VideoDeleted:
    return VideoDeleted(
        correlation_id="req-del",
        producer="tests",
        data=VideoDeletedData(video_id=video_id, owner_id="owner-7f3c"),
    )


async def test_a_deleted_video_loses_every_object_and_open_upload_and_only_its_own(
    worker: Worker,
) -> None:
    gone, kept = uuid.uuid4().hex, uuid.uuid4().hex
    for video_id in (gone, kept):
        await put(worker, keys.source_key(video_id))
        await put(worker, keys.rendition_key(video_id, "720p"))
        await put(worker, keys.poster_key(video_id))
        await put(worker, f"{keys.hls_prefix(video_id)}720p/segment-00001.m4s")
    await open_multipart(worker, keys.source_key(gone))

    event = deleted_event(gone)
    await deliver(worker, event)
    first = await worker.drain()
    await deliver(worker, event)  # a redelivery finds it done
    again = await worker.drain()

    assert [s.outcome for s in first + again] == [Outcome.DONE, Outcome.DUPLICATE]
    assert await object_keys(worker, f"uploads/{gone}/") == []
    assert await object_keys(worker, keys.media_prefix(gone)) == []
    assert await open_uploads(worker, f"uploads/{gone}/") == []
    assert len(await object_keys(worker, keys.media_prefix(kept))) == 3
    assert await object_keys(worker, keys.source_key(kept)) == [keys.source_key(kept)]
    assert await queue_depth(worker) == 0


async def test_a_rejected_upload_is_deleted_on_its_verdict(worker: Worker) -> None:
    """What the transcoder rejected keeps its source there (its role may not delete under
    uploads/): the verdict brings it here."""
    video = await store_video(worker, status=VideoStatus.REJECTED)
    await put(worker, video.source_key)
    event = VideoRejected(
        correlation_id="req-rej",
        producer="transcoder",
        data=VideoRejectedData(
            video_id=video.id, owner_id=video.owner_id, code="corrupt", reason="Broken."
        ),
    )
    await deliver(worker, event)

    assert [s.outcome for s in await worker.drain()] == [Outcome.DONE]
    assert await object_keys(worker, f"uploads/{video.id}/") == []


async def test_an_event_of_another_type_is_dead_lettered_not_handled(worker: Worker) -> None:
    await worker.ctx.deps.aws.sqs.send_message(QueueUrl=worker.queue_url, MessageBody='{"type": 1}')
    settled = await worker.drain()
    assert [s.outcome for s in settled] == [Outcome.REJECTED]


async def test_the_sweep_expires_abandoned_uploads_and_says_so(
    worker: Worker, settings: Settings, aws: AwsClients, resources: Resources
) -> None:
    spy = await EventSpy.on_topic(aws, settings, resources)
    then = utc_now() - LONG_AGO
    abandoned = await store_video(
        worker, created_at=then, updated_at=then, upload_expires_at=utc_now() - timedelta(minutes=1)
    )
    await open_multipart(worker, abandoned.source_key)
    arrived = await store_video(
        worker, created_at=then, updated_at=then, upload_expires_at=utc_now() - timedelta(minutes=1)
    )
    await put(worker, arrived.source_key)  # uploaded in time; its notification is in flight

    done = await housekeeping.sweep(worker.ctx)

    assert done["expire_upload"] == 1
    expired = await stored(worker, abandoned.id)
    assert expired.status is VideoStatus.REJECTED
    assert expired.status_code == UPLOAD_EXPIRED_CODE
    assert "create the video again" in (expired.status_reason or "")
    assert await open_uploads(worker, abandoned.source_key) == []
    assert (await stored(worker, arrived.id)).status is VideoStatus.AWAITING_UPLOAD
    (rejected,) = await spy.of_type("video.rejected")
    # the upload-finalizer's verdict id: a late upload's verdict would be a duplicate of it
    assert rejected.id == follow_up_id(f"upload:{abandoned.id}", "video.rejected")
    assert rejected.correlation_id == abandoned.correlation_id


async def test_the_sweep_republishes_what_stuck_videos_wait_for_with_stable_ids(
    worker: Worker, settings: Settings, aws: AwsClients, resources: Resources
) -> None:
    spy = await EventSpy.on_topic(aws, settings, resources)
    then = utc_now() - LONG_AGO
    never_announced = await store_video(worker, created_at=then, updated_at=then)
    stuck_uploaded = await store_video(
        worker, created_at=then, updated_at=then, status=VideoStatus.UPLOADED, size_bytes=1000
    )
    stuck_processing = await store_video(
        worker, created_at=then, updated_at=then, status=VideoStatus.PROCESSING
    )
    fresh = await store_video(worker, status=VideoStatus.UPLOADED, size_bytes=10)
    finished = await store_video(worker, created_at=then, updated_at=then, status=VideoStatus.READY)

    first = await housekeeping.sweep(worker.ctx)
    second = await housekeeping.sweep(worker.ctx)

    assert first == second == {"republish_created": 1, "republish_uploaded": 2}
    created = await spy.of_type("video.created")
    uploaded = await spy.of_type("video.uploaded")
    assert {e.data.video_id for e in created} == {never_announced.id}
    assert {e.data.video_id for e in uploaded} == {stuck_uploaded.id, stuck_processing.id}
    # the same id every time, the finalizer's own for video.uploaded: consumers de-duplicate
    assert len({e.id for e in created}) == 1
    assert {e.id for e in uploaded} == {
        follow_up_id(f"upload:{v.id}", "video.uploaded") for v in (stuck_uploaded, stuck_processing)
    }
    assert all(e.correlation_id for e in created + uploaded)
    for untouched in (fresh, finished):
        assert (await stored(worker, untouched.id)).version == untouched.version


async def test_only_non_terminal_videos_are_in_the_sweep_index(
    worker: Worker, settings: Settings
) -> None:
    waiting = await store_video(worker)
    ready = await store_video(worker, status=VideoStatus.READY)

    async def indexed(video_id: str) -> bool:
        item = await worker.ctx.deps.aws.dynamodb.get_item(
            TableName=settings.table(VIDEOS_TABLE), Key={"id": {"S": video_id}}
        )
        return "pending_status" in item["Item"]

    assert await indexed(waiting.id)
    assert not await indexed(ready.id)
    moved = await worker.ctx.deps.videos.save(waiting.deleted(), expected=waiting)
    assert not await indexed(moved.id)
