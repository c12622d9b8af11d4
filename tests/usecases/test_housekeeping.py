"""Housekeeping against the fakes: a deleted video's objects and open uploads, the sweep's
expiries and re-publications (the same ids every time), an upload that arrived after all, and
a video that changed after the index was read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from tests.fakes.pending_videos import FakePendingVideos
from tests.fakes.workers import WorkerFakes
from tests.usecases.workers_support import store_video, stored
from videoshare.domain import keys
from videoshare.domain.events import VideoRejected, follow_up_id, utc_now
from videoshare.domain.sweep_plan import UPLOAD_EXPIRED_CODE, UPLOAD_EXPIRED_REASON
from videoshare.domain.video import Video, VideoStatus
from videoshare.usecases.housekeeping import (
    delete_video_objects,
    forget_deleted_video,
    forget_rejected_upload,
    sweep_pending,
)

PRODUCER = "housekeeping"
NOW = utc_now()
LONG_AGO = NOW - timedelta(hours=2)
STUCK_AFTER_S = 15 * 60
UPLOAD_TTL_S = 3600


@pytest.fixture
def fakes() -> WorkerFakes:
    return WorkerFakes()


async def sweep(fakes: WorkerFakes) -> dict[str, int]:
    done = await sweep_pending(
        fakes, stuck_after_s=STUCK_AFTER_S, upload_ttl_s=UPLOAD_TTL_S, producer=PRODUCER, now=NOW
    )
    return dict(done)


async def test_a_deleted_video_loses_every_object_and_open_upload_and_only_its_own(
    fakes: WorkerFakes,
) -> None:
    gone, kept = "a" * 32, "b" * 32
    for video_id in (gone, kept):
        for key in (keys.source_key(video_id), keys.poster_key(video_id)):
            fakes.objects.put(key, b"x")
        fakes.objects.put(keys.hls_prefix(video_id) + "240p_000.ts", b"x")
        fakes.objects.open_multipart(keys.source_key(video_id))

    assert await delete_video_objects(fakes.objects, gone) == 3
    assert await delete_video_objects(fakes.objects, gone) == 0  # a redelivery finds nothing

    assert fakes.objects.keys(f"uploads/{gone}/") == fakes.objects.keys(f"media/{gone}/") == []
    assert len(fakes.objects.keys(f"media/{kept}/")) == 2
    assert fakes.objects.open_uploads == [keys.source_key(kept)]


async def test_a_rejected_upload_is_deleted_and_nothing_else(fakes: WorkerFakes) -> None:
    """The transcoder rejects but may not delete uploads: housekeeping does, on the verdict,
    once the record says rejected (a stray event about a good video deletes nothing)."""
    rejected = await store_video(fakes, status=VideoStatus.REJECTED)
    processing = await store_video(fakes, status=VideoStatus.PROCESSING)
    for video in (rejected, processing):
        fakes.objects.put(video.source_key, b"x")
        fakes.objects.put(keys.poster_key(video.id), b"x")

    assert await forget_rejected_upload(fakes, rejected.id) == 1
    assert await forget_rejected_upload(fakes, processing.id) == 0
    assert await forget_rejected_upload(fakes, "c" * 32) == 0  # no record at all

    assert fakes.objects.keys(f"uploads/{rejected.id}/") == []
    assert fakes.objects.keys(f"uploads/{processing.id}/") == [processing.source_key]
    assert fakes.objects.keys(f"media/{rejected.id}/") == [keys.poster_key(rejected.id)]


async def test_a_deleted_video_gives_its_storage_back_once(fakes: WorkerFakes) -> None:
    assert await fakes.quota.reserve("alice", "a" * 32, 700, 1000)
    assert await fakes.quota.reserve("alice", "b" * 32, 300, 1000)
    for _ in range(2):  # a redelivery releases nothing more
        await forget_deleted_video(fakes, "alice", "a" * 32)
    assert await fakes.quota.reserved_bytes("alice") == 300


async def abandoned(fakes: WorkerFakes) -> Video:
    return await store_video(
        fakes,
        created_at=LONG_AGO,
        updated_at=LONG_AGO,
        upload_expires_at=NOW - timedelta(minutes=1),
    )


async def test_the_sweep_expires_an_abandoned_upload_and_gives_the_upload_its_verdict(
    fakes: WorkerFakes,
) -> None:
    video = await abandoned(fakes)
    assert await fakes.quota.reserve(video.owner_id, video.id, 1000, 10_000)
    fakes.objects.open_multipart(video.source_key)

    assert await sweep(fakes) == {"expire_upload": 1}

    after = stored(fakes, video.id)
    assert (after.status, after.status_code) == (VideoStatus.REJECTED, UPLOAD_EXPIRED_CODE)
    assert after.status_reason == UPLOAD_EXPIRED_REASON
    assert fakes.objects.open_uploads == []
    assert fakes.quota.reservations == {video.owner_id: {}}  # its storage released
    (rejected,) = fakes.publisher.published
    assert isinstance(rejected, VideoRejected)
    # the upload-finalizer's verdict id: a late upload's verdict would be a duplicate of it
    assert rejected.id == follow_up_id(f"upload:{video.id}", "video.rejected")
    assert (rejected.correlation_id, rejected.producer) == (video.correlation_id, PRODUCER)
    assert rejected.data.code == UPLOAD_EXPIRED_CODE


async def test_an_expired_upload_that_arrived_after_all_is_left_to_the_finalizer(
    fakes: WorkerFakes,
) -> None:
    video = await abandoned(fakes)
    fakes.objects.put(video.source_key, b"the upload, its notification in flight")

    assert await sweep(fakes) == {}

    assert stored(fakes, video.id) == video
    assert fakes.publisher.published == []


async def test_the_sweep_republishes_what_stuck_videos_wait_for_with_the_same_ids(
    fakes: WorkerFakes,
) -> None:
    never_announced = await store_video(fakes, created_at=LONG_AGO, updated_at=LONG_AGO)
    stuck = [
        await store_video(
            fakes, created_at=LONG_AGO, updated_at=LONG_AGO, status=status, size_bytes=1000
        )
        for status in (VideoStatus.UPLOADED, VideoStatus.PROCESSING)
    ]
    fresh = await store_video(fakes, status=VideoStatus.UPLOADED, size_bytes=10)
    finished = await store_video(
        fakes, created_at=LONG_AGO, updated_at=LONG_AGO, status=VideoStatus.READY
    )

    first = await sweep(fakes)
    second = await sweep(fakes)

    assert first == second == {"republish_created": 1, "republish_uploaded": 2}
    created = fakes.publisher.of_type("video.created")
    uploaded = fakes.publisher.of_type("video.uploaded")
    assert {e.data.video_id for e in created} == {never_announced.id}
    assert len({e.id for e in created}) == 1
    assert {e.id for e in uploaded} == {
        follow_up_id(f"upload:{v.id}", "video.uploaded") for v in stuck
    }
    assert all(e.correlation_id and e.producer == PRODUCER for e in created + uploaded)
    for untouched in (fresh, finished, never_announced, *stuck):
        assert stored(fakes, untouched.id) == untouched


class LaggingIndex(FakePendingVideos):
    """The sparse index as DynamoDB may answer it: records as they were a moment ago."""

    def __init__(self, *videos: Video) -> None:
        self._lagging = videos

    async def before(self, status: VideoStatus, before: datetime) -> AsyncIterator[Video]:
        for video in self._lagging:
            if video.status is status and video.updated_at < before:
                yield video


async def test_a_video_changed_since_the_index_was_read_is_skipped(fakes: WorkerFakes) -> None:
    changed = await abandoned(fakes)
    other = await abandoned(fakes)
    edited = await fakes.videos.save(changed.model_copy(update={"title": "x"}), expected=changed)
    fakes.pending = LaggingIndex(changed, other)

    assert await sweep(fakes) == {"expire_upload": 1}

    assert stored(fakes, changed.id) == edited
    assert stored(fakes, other.id).status is VideoStatus.REJECTED
    (rejected,) = fakes.publisher.of_type("video.rejected")
    assert len(fakes.publisher.published) == 1
    assert rejected.data.video_id == other.id
