"""Finalizing an upload against the fakes: the verdict (size and first bytes), its one event id
however often it is reached, uploads that are not ours or not there yet, a writer racing the
verdict, videos already past their upload, and giving up."""

from __future__ import annotations

import pytest

from tests.fakes.workers import WorkerFakes
from tests.usecases.workers_support import InterferingVideoStore, store_video, stored
from videoshare.bus.outcomes import Reject, RetryLater
from videoshare.domain import keys
from videoshare.domain.events import VideoFailed, VideoRejected, VideoUploaded, follow_up_id
from videoshare.domain.video import Video, VideoStatus
from videoshare.usecases.finalize_upload import finalize_upload, give_up_on_upload

PRODUCER = "upload-finalizer"
MP4_START = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def mp4_bytes(size: int) -> bytes:
    return MP4_START + b"\x00" * (size - len(MP4_START))


@pytest.fixture
def fakes() -> WorkerFakes:
    return WorkerFakes()


async def finalize(fakes: WorkerFakes, video: Video, cause_id: str = "s3:one") -> None:
    await finalize_upload(
        fakes,
        bucket=fakes.objects.bucket,
        key=video.source_key,
        cause_id=cause_id,
        producer=PRODUCER,
    )


def verdict_id(video: Video, event_type: str) -> str:
    return follow_up_id(f"upload:{video.id}", event_type)


async def test_an_mp4_of_the_declared_size_is_uploaded_and_announced(fakes: WorkerFakes) -> None:
    video = await store_video(fakes, declared_size_bytes=1000)
    fakes.objects.put(video.source_key, mp4_bytes(1000))

    await finalize(fakes, video)

    after = stored(fakes, video.id)
    assert (after.status, after.size_bytes, after.version) == (VideoStatus.UPLOADED, 1000, 2)
    (event,) = fakes.publisher.published
    assert isinstance(event, VideoUploaded)
    assert event.id == verdict_id(video, "video.uploaded")
    assert (event.producer, event.causation_id) == (PRODUCER, "s3:one")
    assert event.correlation_id == video.correlation_id
    assert (event.data.source_key, event.data.size_bytes) == (video.source_key, 1000)


@pytest.mark.parametrize(
    ("data", "declared", "code", "reason"),
    [
        (
            mp4_bytes(900),
            1000,
            "size_mismatch",
            "The upload was 900 bytes but 1,000 bytes were declared; upload the file again.",
        ),
        (
            b"just a list of things\n" * 10,
            220,
            "not_a_video",
            "The file is not a video we can read; upload an MP4, MOV, MKV or WebM file.",
        ),
        (
            b"",
            0,
            "not_a_video",
            "The file is not a video we can read; upload an MP4, MOV, MKV or WebM file.",
        ),
        (
            b"",
            1000,
            "size_mismatch",
            "The upload was 0 bytes but 1,000 bytes were declared; upload the file again.",
        ),
    ],
)
async def test_an_upload_of_another_size_or_not_a_video_is_rejected_with_a_reason(
    fakes: WorkerFakes, data: bytes, declared: int, code: str, reason: str
) -> None:
    video = await store_video(fakes, declared_size_bytes=declared)
    fakes.objects.put(video.source_key, data)
    assert await fakes.quota.reserve(video.owner_id, video.id, declared, 10**6)

    await finalize(fakes, video)
    await finalize(fakes, video)  # told again: released once, as it was reserved once

    after = stored(fakes, video.id)
    assert (after.status, after.status_code, after.status_reason) == (
        VideoStatus.REJECTED,
        code,
        reason,
    )
    assert after.size_bytes is None
    assert video.source_key not in fakes.objects.objects  # not kept: deleted at once
    assert await fakes.quota.reserved_bytes(video.owner_id) == 0  # its storage released
    event, again = fakes.publisher.published
    assert again.id == event.id
    assert isinstance(event, VideoRejected)
    assert event.id == verdict_id(video, "video.rejected")
    assert (event.data.code, event.data.reason) == (code, reason)


async def test_the_same_upload_told_again_says_the_same_verdict_and_writes_once(
    fakes: WorkerFakes,
) -> None:
    """S3's duplicate, a redelivery after a crash before the completion record, or the client
    PUTting the file again (another notification): one write, one event id."""
    video = await store_video(fakes, declared_size_bytes=1000)
    fakes.objects.put(video.source_key, mp4_bytes(1000))

    await finalize(fakes, video, "s3:one")
    await finalize(fakes, video, "s3:one")
    await finalize(fakes, video, "s3:a-second-put")

    assert video.source_key in fakes.objects.objects  # an accepted upload is kept
    assert stored(fakes, video.id).version == video.version + 1
    assert fakes.videos.writes == 2  # the create and the verdict
    ids = {e.id for e in fakes.publisher.published}
    assert len(fakes.publisher.published) == 3
    assert ids == {verdict_id(video, "video.uploaded")}


async def test_a_rejection_told_again_is_said_again_with_its_id(fakes: WorkerFakes) -> None:
    video = await store_video(fakes, declared_size_bytes=1000)
    fakes.objects.put(video.source_key, b"not a video" * 100)

    await finalize(fakes, video)
    await finalize(fakes, video)

    first, second = fakes.publisher.published
    assert isinstance(second, VideoRejected)
    assert second.id == first.id == verdict_id(video, "video.rejected")
    assert second.data == first.data


async def test_an_upload_not_readable_yet_is_retried_later(fakes: WorkerFakes) -> None:
    video = await store_video(fakes)

    with pytest.raises(RetryLater, match="is not readable yet"):
        await finalize(fakes, video)

    assert stored(fakes, video.id) == video
    assert fakes.publisher.published == []


@pytest.mark.parametrize(
    ("bucket", "key"),
    [
        ("someone-elses-bucket", keys.source_key("0" * 32)),
        (None, "uploads/not-hex/source"),
        (None, keys.rendition_key("0" * 32, "240p")),
    ],
)
async def test_an_object_that_is_not_an_upload_of_ours_is_rejected(
    fakes: WorkerFakes, bucket: str | None, key: str
) -> None:
    bucket = bucket or fakes.objects.bucket
    with pytest.raises(Reject) as rejected:
        await finalize_upload(fakes, bucket=bucket, key=key, cause_id="s3:x", producer=PRODUCER)

    assert rejected.value.code == "unknown_key"
    assert rejected.value.reason == f"{bucket}/{key} is not an upload of ours"


async def test_an_upload_without_a_record_is_rejected(fakes: WorkerFakes) -> None:
    key = keys.source_key("0123456789abcdef0123456789abcdef")
    fakes.objects.put(key, mp4_bytes(1000))

    with pytest.raises(Reject) as rejected:
        await finalize_upload(
            fakes, bucket=fakes.objects.bucket, key=key, cause_id="s3:x", producer=PRODUCER
        )

    assert rejected.value.code == "unknown_video"
    assert fakes.publisher.published == []


async def test_a_writer_racing_the_verdict_makes_it_wait_for_a_fresh_read() -> None:
    fakes = WorkerFakes(videos=InterferingVideoStore())
    videos = fakes.videos
    assert isinstance(videos, InterferingVideoStore)
    video = await store_video(fakes, declared_size_bytes=1000)
    fakes.objects.put(video.source_key, mp4_bytes(1000))
    videos.interfere_after_get(lambda v: v.model_copy(update={"title": "Edited meanwhile"}))

    with pytest.raises(RetryLater):
        await finalize(fakes, video)

    after = stored(fakes, video.id)
    assert (after.status, after.title) == (VideoStatus.AWAITING_UPLOAD, "Edited meanwhile")
    assert fakes.publisher.published == []


@pytest.mark.parametrize(
    "past",
    [
        {"status": VideoStatus.PROCESSING, "size_bytes": 1000, "progress": 40.0},
        {"status": VideoStatus.READY, "size_bytes": 1000},
        {"status": VideoStatus.DELETED},
        # rejected by the transcoder, after the upload was accepted: its own event said so
        {"status": VideoStatus.REJECTED, "size_bytes": 1000, "status_code": "corrupt"},
    ],
)
async def test_a_video_already_past_its_upload_is_left_as_it_is(
    fakes: WorkerFakes, past: dict[str, object]
) -> None:
    video = await store_video(fakes, declared_size_bytes=1000, **past)
    fakes.objects.put(video.source_key, b"x" * 1000)

    await finalize(fakes, video)

    assert stored(fakes, video.id) == video
    assert fakes.publisher.published == []


async def test_an_accepted_upload_gone_from_the_bucket_is_still_announced(
    fakes: WorkerFakes,
) -> None:
    """A repeat after the verdict needs no object: the record holds the verdict."""
    video = await store_video(fakes, status=VideoStatus.UPLOADED, size_bytes=1000)

    await finalize(fakes, video)

    (event,) = fakes.publisher.published
    assert isinstance(event, VideoUploaded)


async def test_giving_up_on_an_upload_marks_its_video_failed_and_says_so(
    fakes: WorkerFakes,
) -> None:
    video = await store_video(fakes)

    await give_up_on_upload(fakes, key=video.source_key, cause_id="s3:one", producer=PRODUCER)
    await give_up_on_upload(fakes, key="uploads/not-ours/x", cause_id="s3:two", producer=PRODUCER)

    after = stored(fakes, video.id)
    assert (after.status, after.status_code) == (VideoStatus.FAILED, "processing_failed")
    assert after.status_reason == "The upload could not be checked."
    (event,) = fakes.publisher.published
    assert isinstance(event, VideoFailed)
    assert (event.causation_id, event.data.reason) == ("s3:one", after.status_reason)
