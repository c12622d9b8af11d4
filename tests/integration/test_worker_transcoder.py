"""The transcoder's handlers against the real emulator and the real ffmpeg: a good clip, a
source that only looks like a video, one damaged in the middle, events about videos it must
leave alone, a redelivery after a crash mid-transcode, a video deleted mid-transcode, and giving
up."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from tests.integration.worker_support import (
    EventSpy,
    Worker,
    dead_letters,
    deliver,
    forget_completion,
    idempotency_record,
    object_keys,
    queue_depth,
    read_object,
    stale_claim,
    start_worker,
    store_video,
    stored,
    upload,
)
from tests.media import make_clip, write_garbage_in_the_middle, write_truncated
from tests.media_checks import Expected, check_output_set, rendition_file
from tests.records import new_video
from videoshare.aws import AwsClients
from videoshare.bus.runtime import Outcome, Settlement
from videoshare.domain import keys
from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import (
    VideoFailed,
    VideoRejected,
    VideoTranscoded,
    VideoUploaded,
    VideoUploadedData,
)
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.workers import transcoder
from videoshare.infra.resources import Resources
from videoshare.infra.topology import TRANSCODER
from videoshare.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("transcoder")


@pytest.fixture(scope="module")
def clip(media_dir: Path) -> bytes:
    return make_clip(media_dir / "clip.mp4", seconds=2, width=320, height=240).read_bytes()


@pytest.fixture(scope="module")
def truncated(media_dir: Path, clip: bytes) -> bytes:
    """The first 4 KiB of the clip: `ftyp` says MP4, so it passes the magic-byte check."""
    return write_truncated(media_dir / "clip.mp4", media_dir / "cut.mp4").read_bytes()


@pytest.fixture
def worker(settings: Settings, aws: AwsClients, resources: Resources) -> Worker:
    # One transcode at a time, as the topology runs it.
    return start_worker(
        TRANSCODER, transcoder.definition, settings, aws, resources, max_in_flight=1
    )


@pytest.fixture
async def spy(settings: Settings, aws: AwsClients, resources: Resources) -> EventSpy:
    return await EventSpy.on_topic(aws, settings, resources)


def uploaded(video: Video) -> VideoUploaded:
    """What the upload-finalizer publishes about `video`."""
    return VideoUploaded(
        correlation_id=video.correlation_id or "req-missing",
        producer="upload-finalizer",
        data=VideoUploadedData(
            video_id=video.id,
            owner_id=video.owner_id,
            source_key=video.source_key,
            size_bytes=video.size_bytes or video.declared_size_bytes,
            content_type=video.content_type,
        ),
    )


async def uploaded_video(worker: Worker, source: bytes, **overrides: object) -> Video:
    """A video the finalizer accepted, its source in S3."""
    fields: dict[str, object] = {
        "status": VideoStatus.UPLOADED,
        "declared_size_bytes": len(source),
        "size_bytes": len(source),
        **overrides,
    }
    video = await store_video(worker, **fields)
    await upload(worker, video.id, source)
    return video


def outcomes(settlements: list[Settlement]) -> list[Outcome]:
    return [s.outcome for s in settlements]


CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
}


async def media_files(worker: Worker, video_id: str) -> dict[str, bytes]:
    """Every object of the video's media folder, by its path inside it; content types checked."""
    prefix = keys.media_prefix(video_id)
    files = {}
    for key in await object_keys(worker, prefix):
        body, content_type = await read_object(worker, key)
        assert content_type == CONTENT_TYPES[Path(key).suffix], key
        files[key.removeprefix(prefix)] = body
    return files


async def test_a_clip_is_transcoded_into_its_complete_output_set(
    worker: Worker, spy: EventSpy, clip: bytes
) -> None:
    video = await uploaded_video(worker, clip)
    event = uploaded(video)
    await deliver(worker, event)

    assert outcomes(await worker.drain()) == [Outcome.DONE]

    (transcoded,) = await spy.published()
    assert isinstance(transcoded, VideoTranscoded)
    assert transcoded.causation_id == event.id
    assert transcoded.correlation_id == video.correlation_id
    data = transcoded.data
    assert data.video_id == video.id
    assert (data.width, data.height) == (320, 240)
    assert data.duration_s == pytest.approx(2.0, abs=0.2)
    assert data.size_bytes == len(clip)
    assert [(r.name, r.width, r.height) for r in data.renditions] == [("240p", 320, 240)]
    files = await media_files(worker, video.id)
    for rendition in data.renditions:
        assert rendition.key == keys.rendition_key(video.id, rendition.name)
        assert len(rendition_file(files, rendition.name)) == rendition.size_bytes
    assert data.poster_key == keys.poster_key(video.id)
    assert data.hls_master_key == keys.hls_master_key(video.id)
    assert data.storyboard_image_key == keys.storyboard_image_key(video.id)
    assert data.storyboard_vtt_key == keys.storyboard_vtt_key(video.id)
    check_output_set(files, Expected(ladder=[("240p", 320, 240)], duration_s=2.0, has_audio=True))
    # Ready is the metadata-indexer's to say; the last progress report says 100 %.
    after = await stored(worker, video.id)
    assert after.status is VideoStatus.PROCESSING
    assert after.renditions == []
    assert after.progress == 100.0


async def test_a_source_damaged_in_the_middle_is_rejected_when_ffmpeg_reaches_the_damage(
    worker: Worker, spy: EventSpy, media_dir: Path
) -> None:
    whole = make_clip(media_dir / "whole.mp4", faststart=True)
    damaged = write_garbage_in_the_middle(whole, media_dir / "damaged.mp4").read_bytes()
    video = await uploaded_video(worker, damaged)
    await deliver(worker, uploaded(video))

    assert outcomes(await worker.drain()) == [Outcome.DONE]  # no retries: it will not get better

    after = await stored(worker, video.id)
    assert after.status is VideoStatus.REJECTED
    assert after.status_code == "corrupt"
    assert after.status_reason == (
        "The video cannot be decoded all the way through; it may be damaged or incomplete."
    )
    (rejected,) = await spy.published()
    assert isinstance(rejected, VideoRejected)
    assert rejected.data.code == "corrupt"
    assert await object_keys(worker, keys.media_prefix(video.id)) == []
    assert await dead_letters(worker) == []


async def test_a_source_that_only_looks_like_a_video_is_rejected_with_a_reason(
    worker: Worker, spy: EventSpy, truncated: bytes
) -> None:
    video = await uploaded_video(worker, truncated)
    await deliver(worker, uploaded(video))

    assert outcomes(await worker.drain()) == [Outcome.DONE]

    after = await stored(worker, video.id)
    assert after.status is VideoStatus.REJECTED
    assert after.status_code == "corrupt"
    assert after.status_reason is not None
    assert after.status_reason.startswith("The file starts like an MP4/QuickTime video")
    assert after.status_reason.endswith(".")
    assert after.progress is None
    (rejected,) = await spy.published()
    assert isinstance(rejected, VideoRejected)
    assert rejected.correlation_id == video.correlation_id
    assert (rejected.data.code, rejected.data.reason) == ("corrupt", after.status_reason)
    assert await object_keys(worker, keys.media_prefix(video.id)) == []
    assert await dead_letters(worker) == []


@pytest.mark.parametrize(
    ("caps", "code"),
    [
        ({"max_upload_bytes": 1000}, "file_too_large"),
        ({"max_video_duration_s": 1.5}, "too_long"),
        ({"max_video_pixels": 320 * 240 - 1}, "resolution_too_large"),
    ],
)
async def test_the_probe_caps_come_from_settings(
    settings: Settings,
    aws: AwsClients,
    resources: Resources,
    spy: EventSpy,
    clip: bytes,
    caps: dict[str, float],
    code: str,
) -> None:
    capped = settings.model_copy(update=caps)
    worker = start_worker(TRANSCODER, transcoder.definition, capped, aws, resources)
    video = await uploaded_video(worker, clip)
    await deliver(worker, uploaded(video))

    assert outcomes(await worker.drain()) == [Outcome.DONE]

    after = await stored(worker, video.id)
    assert (after.status, after.status_code) == (VideoStatus.REJECTED, code)
    (rejected,) = await spy.published()
    assert isinstance(rejected, VideoRejected)
    assert rejected.data.code == code
    assert await object_keys(worker, keys.media_prefix(video.id)) == []


async def test_upload_events_for_unknown_or_deleted_videos_are_done_without_effect(
    worker: Worker, spy: EventSpy, clip: bytes
) -> None:
    unknown = new_video(status=VideoStatus.UPLOADED, size_bytes=len(clip))  # never stored
    deleted = await store_video(worker, status=VideoStatus.DELETED, size_bytes=len(clip))
    for video in (unknown, deleted):
        await upload(worker, video.id, clip)
        await deliver(worker, uploaded(video))

    assert outcomes(await worker.drain()) == [Outcome.DONE, Outcome.DONE]

    assert await worker.ctx.deps.videos.get(unknown.id) is None
    assert await stored(worker, deleted.id) == deleted
    assert await spy.published() == []
    assert await object_keys(worker, keys.MEDIA_PREFIX) == []
    assert await dead_letters(worker) == []
    assert await queue_depth(worker) == 0


async def test_a_redelivery_after_a_crash_mid_transcode_completes_once(
    worker: Worker, spy: EventSpy, clip: bytes
) -> None:
    """The worker that took the event moved the video to `processing`, reported some progress
    and died: its claim expired, and SQS delivers the event again (then once more)."""
    video = await uploaded_video(worker, clip, status=VideoStatus.PROCESSING, progress=37.5)
    # what the dead attempt had uploaded: a file this run makes too, and two it does not make
    leftovers = ["hls/240p_000.m4s", "hls/240p_017.m4s", "1080p.mp4"]
    for name in leftovers:
        await worker.ctx.deps.aws.s3.put_object(
            Bucket=worker.ctx.deps.resources.bucket,
            Key=keys.media_prefix(video.id) + name,
            Body=b"from the attempt that died",
        )
    # and the temp folder it could not remove when it was killed
    left_behind = Path(tempfile.mkdtemp(prefix=f"transcode-{video.id}-"))
    (left_behind / "source").write_bytes(clip)
    event = uploaded(video)
    crashed = await stale_claim(worker, event.id)
    await deliver(worker, event)

    assert outcomes(await worker.drain()) == [Outcome.DONE]

    await deliver(worker, event)
    assert outcomes(await worker.drain()) == [Outcome.DUPLICATE]

    record = await idempotency_record(worker, event.id)
    assert record["status"] == "COMPLETED"
    assert record["owner"] != crashed.owner
    (transcoded,) = await spy.published()
    assert isinstance(transcoded, VideoTranscoded)
    assert transcoded.data.video_id == video.id
    assert not left_behind.exists()
    # exactly one set of outputs: the leftovers overwritten or gone
    check_output_set(
        await media_files(worker, video.id),
        Expected(ladder=[("240p", 320, 240)], duration_s=2.0, has_audio=True),
    )
    assert (await stored(worker, video.id)).status is VideoStatus.PROCESSING


async def test_a_video_deleted_mid_transcode_leaves_no_outputs_and_no_ffmpeg(
    worker: Worker, spy: EventSpy, media_dir: Path
) -> None:
    """The owner deletes the video while ffmpeg runs (housekeeping deletes its objects on the
    event): the transcoder stops ffmpeg, and deletes what it put."""
    # two minutes: ffmpeg runs for seconds more after the first progress report
    source = make_clip(media_dir / "long.mp4", seconds=120, width=320, height=240).read_bytes()
    video = await uploaded_video(worker, source)
    await deliver(worker, uploaded(video))
    handling = asyncio.create_task(worker.drain())
    deadline = time.monotonic() + 60
    while (current := await stored(worker, video.id)).progress in (None, 0.0):
        assert time.monotonic() < deadline, "no progress reported within 60 s"
        assert not handling.done(), "the job ended before any progress was reported"
        await asyncio.sleep(0.05)
    assert current.progress is not None
    assert current.progress < 99  # said while ffmpeg runs, not only as it ends
    for _ in range(5):  # as the owner's DELETE does: a progress report may win the race
        try:
            await worker.ctx.deps.videos.save(current.deleted(), expected=current)
            break
        except VideoConflict:
            current = await stored(worker, video.id)
    else:
        raise AssertionError("five progress reports in a row won the race with the deletion")

    assert outcomes(await handling) == [Outcome.DONE]
    assert await object_keys(worker, keys.media_prefix(video.id)) == []
    # ffmpeg was stopped, not left to finish: the last rung's playlist never said it ended
    assert not any(isinstance(event, VideoTranscoded) for event in await spy.published())
    assert [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name()] == []


async def test_giving_up_marks_the_video_failed_and_says_so(
    settings: Settings, aws: AwsClients, resources: Resources, spy: EventSpy
) -> None:
    """The source vanished from S3: every attempt fails, and the last one gives up."""
    worker = start_worker(
        TRANSCODER,
        transcoder.definition,
        settings,
        aws,
        resources,
        max_in_flight=1,
        max_receive_count=2,
    )
    video = await store_video(worker, status=VideoStatus.UPLOADED, size_bytes=1000)
    event = uploaded(video)
    await deliver(worker, event)

    settlements = await worker.drain()

    assert [(s.outcome, s.attempt) for s in settlements] == [
        (Outcome.RETRY, 1),
        (Outcome.GAVE_UP, 2),
    ]
    after = await stored(worker, video.id)
    assert after.status is VideoStatus.FAILED
    assert after.status_code == "processing_failed"
    assert after.status_reason == "The video could not be processed; try again."
    (failed,) = await spy.published()
    assert isinstance(failed, VideoFailed)
    assert failed.causation_id == event.id
    assert failed.correlation_id == video.correlation_id
    assert (failed.data.video_id, failed.data.reason) == (video.id, after.status_reason)
    (dead,) = await dead_letters(worker)
    assert dead.attributes["code"] == "gave_up"
    assert dead.attributes["reason"].startswith("gave up after 2 attempts: ")
    assert "NoSuchKey" in dead.attributes["error"]
    assert Counter(worker.consumer.counters.by_outcome) == {Outcome.RETRY: 1, Outcome.GAVE_UP: 1}


async def test_a_rejection_handled_again_is_announced_again_with_the_same_id(
    worker: Worker, spy: EventSpy, truncated: bytes
) -> None:
    """A crash after writing `rejected` but before its completion record: the event runs again
    and must say `video.rejected` again (the owner was perhaps never told), with the same id."""
    video = await uploaded_video(worker, truncated)
    event = uploaded(video)
    await deliver(worker, event)
    assert outcomes(await worker.drain()) == [Outcome.DONE]
    rejected_once = await stored(worker, video.id)

    await forget_completion(worker, event.id)
    await deliver(worker, event)
    assert outcomes(await worker.drain()) == [Outcome.DONE]

    assert await stored(worker, video.id) == rejected_once
    first, second = await spy.published()
    assert isinstance(first, VideoRejected)
    assert isinstance(second, VideoRejected)
    assert second.id == first.id
    assert second.data == first.data
