"""Transcoding against the fakes, with the real ffmpeg on a one-second clip: the output set at
its keys (the master playlist last), a redelivery that finds an earlier attempt's leftovers,
sources refused by the probe or by ffmpeg, events about videos to leave alone, a writer racing
the start, a failing ffmpeg, and the record's progress."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.workers import WorkerFakes
from tests.media import make_clip, write_truncated
from tests.usecases.workers_support import InterferingVideoStore, store_video, stored
from videoshare.bus.outcomes import RetryLater
from videoshare.domain import keys
from videoshare.domain.errors import ObjectMissing
from videoshare.domain.events import (
    VideoRejected,
    VideoTranscoded,
    VideoUploaded,
    follow_up_id,
    video_uploaded,
)
from videoshare.domain.video import Video, VideoStatus
from videoshare.media.ffmpeg_limits import FfmpegLimits
from videoshare.media.probe import ProbeLimits
from videoshare.media.transcode import TranscodeFailed
from videoshare.usecases import transcode as transcode_usecase
from videoshare.usecases.limits import processed_per_day, take_processing_minutes
from videoshare.usecases.transcode import TranscodeConfig, transcode_video

PRODUCER = "transcoder"


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("transcode")


@pytest.fixture(scope="module")
def clip(media_dir: Path) -> bytes:
    return make_clip(media_dir / "clip.mp4", seconds=1, width=160, height=120).read_bytes()


@pytest.fixture(scope="module")
def cut(media_dir: Path, clip: bytes) -> bytes:
    """The clip's first 4 KiB: `ftyp` says MP4, so only decoding finds it is not whole."""
    return write_truncated(media_dir / "clip.mp4", media_dir / "cut.mp4").read_bytes()


@pytest.fixture
def fakes() -> WorkerFakes:
    return WorkerFakes()


def config_of(tmp_path: Path, **overrides: Any) -> TranscodeConfig:
    """The transcoder's config for tests: default caps, a minute, `tmp_path` as the temp root."""
    fields: dict[str, Any] = {
        "limits": ProbeLimits(),
        "ffmpeg_threads": 2,
        "timeout_s": 60,
        "work_dir": str(tmp_path),
        **overrides,
    }
    return TranscodeConfig(**fields)


@pytest.fixture
def config(tmp_path: Path) -> TranscodeConfig:
    return config_of(tmp_path)


def ffmpeg_raises(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """The transcoder's ffmpeg run replaced by one that raises `error`."""

    async def instead(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(transcode_usecase, "transcode", instead)


async def uploaded_video(fakes: WorkerFakes, source: bytes, **overrides: object) -> Video:
    fields: dict[str, object] = {
        "status": VideoStatus.UPLOADED,
        "declared_size_bytes": len(source),
        "size_bytes": len(source),
        **overrides,
    }
    video = await store_video(fakes, **fields)
    fakes.objects.put(video.source_key, source)
    return video


def uploaded(video: Video) -> VideoUploaded:
    return video_uploaded(video, cause_id=f"s3:{video.id}", producer="upload-finalizer")


def rejected_saying(fakes: WorkerFakes, video: Video, code: str, says: str) -> None:
    """The video is rejected with `code` and a reason saying `says`, announced once; its source
    is left for housekeeping (which deletes it on the verdict)."""
    after = stored(fakes, video.id)
    assert (after.status, after.status_code) == (VideoStatus.REJECTED, code)
    assert says in (after.status_reason or "")
    (rejected,) = fakes.publisher.published
    assert isinstance(rejected, VideoRejected)
    assert rejected.data.code == code
    assert video.source_key in fakes.objects.objects


def media(fakes: WorkerFakes, video: Video) -> list[str]:
    prefix = keys.media_prefix(video.id)
    return [key.removeprefix(prefix) for key in fakes.objects.keys(prefix)]


CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
}
OUTPUT_SET = [
    "hls/120p.m3u8",
    "hls/120p_000.m4s",
    "hls/120p_init.mp4",
    "hls/master.m3u8",
    "poster.jpg",
    "storyboard.jpg",
    "storyboard.vtt",
]


async def test_a_clip_becomes_its_output_set_the_master_playlist_last(
    fakes: WorkerFakes, config: TranscodeConfig, clip: bytes, tmp_path: Path
) -> None:
    video = await uploaded_video(fakes, clip)
    event = uploaded(video)

    await transcode_video(fakes, event, producer=PRODUCER, config=config)

    assert media(fakes, video) == OUTPUT_SET
    for key in fakes.objects.keys(keys.media_prefix(video.id)):
        assert fakes.objects.objects[key].content_type == CONTENT_TYPES[Path(key).suffix]
    assert fakes.objects.uploaded[-1] == keys.hls_master_key(video.id)
    assert fakes.objects.listed == []  # a first attempt has no earlier outputs to look for
    (transcoded,) = fakes.publisher.published
    assert isinstance(transcoded, VideoTranscoded)
    assert transcoded.id == follow_up_id(event.id, "video.transcoded")
    assert (transcoded.causation_id, transcoded.correlation_id) == (event.id, video.correlation_id)
    data = transcoded.data
    assert (data.width, data.height, data.size_bytes) == (160, 120, len(clip))
    assert data.duration_s == pytest.approx(1.0, abs=0.2)
    (rendition,) = data.renditions
    assert rendition.key == keys.rendition_key(video.id, "120p")
    rendition_file = [keys.hls_prefix(video.id) + n for n in ("120p_init.mp4", "120p_000.m4s")]
    assert rendition.size_bytes == sum(len(fakes.objects.objects[k].data) for k in rendition_file)
    after = stored(fakes, video.id)
    assert (after.status, after.progress) == (VideoStatus.PROCESSING, 100.0)
    assert list(tmp_path.iterdir()) == []  # the job's temp folder is gone
    assert fakes.slots.slots[video.owner_id] == {}  # its processing turn taken, then ended


async def test_an_attempt_after_one_that_died_leaves_exactly_one_output_set(
    fakes: WorkerFakes, config: TranscodeConfig, clip: bytes, tmp_path: Path
) -> None:
    video = await uploaded_video(fakes, clip, status=VideoStatus.PROCESSING, progress=37.5)
    for name in ["hls/120p_000.m4s", "hls/120p_017.m4s", "1080p.mp4"]:
        fakes.objects.put(keys.media_prefix(video.id) + name, b"from the attempt that died")
    (tmp_path / f"transcode-{video.id}-dead").mkdir()  # its temp folder, never removed
    event = uploaded(video)

    await transcode_video(fakes, event, producer=PRODUCER, config=config)

    assert media(fakes, video) == OUTPUT_SET
    segment = fakes.objects.objects[keys.hls_prefix(video.id) + "120p_000.m4s"].data
    assert segment != b"from the attempt that died"
    assert list(tmp_path.iterdir()) == []
    (transcoded,) = fakes.publisher.published
    assert transcoded.id == follow_up_id(event.id, "video.transcoded")


async def test_a_source_that_only_looks_like_a_video_is_rejected_with_the_probes_reason(
    fakes: WorkerFakes, config: TranscodeConfig, cut: bytes
) -> None:
    video = await uploaded_video(fakes, cut)
    assert await fakes.quota.reserve(video.owner_id, video.id, len(cut), 10**9)
    event = uploaded(video)

    await transcode_video(fakes, event, producer=PRODUCER, config=config)

    after = stored(fakes, video.id)
    assert (after.status, after.status_code, after.progress) == (
        VideoStatus.REJECTED,
        "corrupt",
        None,
    )
    (rejected,) = fakes.publisher.published
    assert isinstance(rejected, VideoRejected)
    assert rejected.id == follow_up_id(event.id, "video.rejected")
    assert (rejected.data.code, rejected.data.reason) == ("corrupt", after.status_reason)
    assert media(fakes, video) == []
    # the source stays for housekeeping (on `video.rejected`): the transcoder may not delete it
    assert video.source_key in fakes.objects.objects
    assert await fakes.quota.reserved_bytes(video.owner_id) == 0  # nor its storage held


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (ProbeLimits(max_file_bytes=1000), "file_too_large"),
        (ProbeLimits(max_duration_s=0.5), "too_long"),
        (ProbeLimits(max_pixels=160 * 120 - 1), "resolution_too_large"),
    ],
)
async def test_a_source_over_a_cap_is_rejected(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path, limits: ProbeLimits, code: str
) -> None:
    config = TranscodeConfig(limits=limits, ffmpeg_threads=2, timeout_s=60, work_dir=str(tmp_path))
    video = await uploaded_video(fakes, clip)

    await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    assert (stored(fakes, video.id).status_code, media(fakes, video)) == (code, [])
    assert video.source_key in fakes.objects.objects  # housekeeping deletes it
    (rejected,) = fakes.publisher.published
    assert isinstance(rejected, VideoRejected)
    assert rejected.data.code == code


async def test_a_source_that_takes_ffmpeg_past_its_os_limits_is_rejected_not_retried(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path
) -> None:
    config = TranscodeConfig(
        limits=ProbeLimits(),
        ffmpeg_threads=2,
        timeout_s=60,
        work_dir=str(tmp_path),
        ffmpeg_limits=FfmpegLimits(file_bytes=1024),
    )
    video = await uploaded_video(fakes, clip)

    await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    after = stored(fakes, video.id)
    assert (after.status, after.status_code) == (VideoStatus.REJECTED, "too_costly")
    assert after.status_reason is not None
    assert "it would have written a file over 1,024 bytes" in after.status_reason
    (rejected,) = fakes.publisher.published
    assert isinstance(rejected, VideoRejected)
    assert media(fakes, video) == []


async def test_a_rejection_found_again_is_said_again_with_its_id(
    fakes: WorkerFakes, config: TranscodeConfig, clip: bytes
) -> None:
    """An earlier attempt wrote `rejected` and crashed before its event left."""
    video = await uploaded_video(
        fakes,
        clip,
        status=VideoStatus.REJECTED,
        status_code="corrupt",
        status_reason="The video cannot be decoded all the way through.",
    )
    event = uploaded(video)

    await transcode_video(fakes, event, producer=PRODUCER, config=config)

    assert stored(fakes, video.id) == video
    (rejected,) = fakes.publisher.published
    assert isinstance(rejected, VideoRejected)
    assert rejected.id == follow_up_id(event.id, "video.rejected")
    assert rejected.data.reason == "The video cannot be decoded all the way through."


@pytest.mark.parametrize(
    "status", [VideoStatus.AWAITING_UPLOAD, VideoStatus.READY, VideoStatus.DELETED, None]
)
async def test_an_event_about_a_video_not_to_transcode_changes_nothing(
    fakes: WorkerFakes, config: TranscodeConfig, clip: bytes, tmp_path: Path, status: VideoStatus
) -> None:
    video = await uploaded_video(fakes, clip, status=status or VideoStatus.UPLOADED)
    if status is None:  # no record at all
        del fakes.videos.records[video.id]

    await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    assert fakes.videos.records.get(video.id) == (video if status else None)
    assert fakes.publisher.published == []
    assert media(fakes, video) == []
    assert list(tmp_path.iterdir()) == []  # the fetch begun meanwhile was abandoned


async def test_a_writer_racing_the_start_makes_it_wait_for_a_fresh_read(
    config: TranscodeConfig, clip: bytes
) -> None:
    fakes = WorkerFakes(videos=InterferingVideoStore())
    video = await uploaded_video(fakes, clip)
    assert isinstance(fakes.videos, InterferingVideoStore)
    fakes.videos.interfere_after_get(lambda v: v.model_copy(update={"title": "Edited meanwhile"}))

    with pytest.raises(RetryLater):
        await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    assert stored(fakes, video.id).status is VideoStatus.UPLOADED
    assert fakes.publisher.published == []
    assert media(fakes, video) == []


async def test_a_source_gone_from_the_bucket_fails_the_attempt(
    fakes: WorkerFakes, config: TranscodeConfig, clip: bytes
) -> None:
    video = await uploaded_video(fakes, clip)
    del fakes.objects.objects[video.source_key]

    with pytest.raises(ObjectMissing):
        await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    assert stored(fakes, video.id).status is VideoStatus.PROCESSING
    assert fakes.publisher.published == []


async def test_an_ffmpeg_past_its_timeout_is_rejected_not_retried(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path
) -> None:
    # ffmpeg is killed at its deadline, long before it could have finished; the budget is
    # boundless, so only the timeout stops it
    config = config_of(tmp_path, timeout_s=0.001, pixels_per_s=1e18)
    video = await uploaded_video(fakes, clip)

    await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    rejected_saying(fakes, video, "too_costly", "took longer than the 0.001 seconds one video")
    assert media(fakes, video) == []
    assert list(tmp_path.iterdir()) == []


async def test_a_source_over_the_cost_budget_is_rejected_before_ffmpeg_runs(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ffmpeg_raises(monkeypatch, AssertionError("ffmpeg ran on a source over the budget"))
    # 1 s of 160x120 at 25 frames a second: 480,000 pixels; the budget holds 100 x 60
    config = config_of(tmp_path, pixels_per_s=100)
    video = await uploaded_video(fakes, clip)

    await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    rejected_saying(fakes, video, "too_costly", "1 s of 160x120 at 25 frames a second")


async def test_an_ffmpeg_that_fails_otherwise_is_retried_later_without_outputs(
    fakes: WorkerFakes,
    config: TranscodeConfig,
    clip: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ffmpeg_raises(monkeypatch, TranscodeFailed("ffmpeg exited 1: Conversion failed!"))
    video = await uploaded_video(fakes, clip)

    with pytest.raises(RetryLater, match="ffmpeg failed"):
        await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    assert stored(fakes, video.id).status is VideoStatus.PROCESSING
    assert media(fakes, video) == []
    assert fakes.publisher.published == []
    assert list(tmp_path.iterdir()) == []


async def test_a_first_attempt_charges_the_sources_seconds_to_its_owners_day(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ffmpeg_raises(monkeypatch, TranscodeFailed("ffmpeg exited 1: Conversion failed!"))
    config = config_of(tmp_path, seconds_per_day=3600)
    video = await uploaded_video(fakes, clip)

    for _ in range(2):  # the second attempt finds it processing: charged once
        with pytest.raises(RetryLater):
            await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    assert list(fakes.counters.counts.values()) == [1]  # a one-second clip


async def test_a_source_whose_owners_day_was_spent_is_rejected_before_ffmpeg_runs(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ffmpeg_raises(monkeypatch, AssertionError("ffmpeg ran on a spent day"))
    config = config_of(tmp_path, seconds_per_day=60)
    spent = await uploaded_video(fakes, clip)
    await take_processing_minutes(fakes, spent.owner_id, 60, processed_per_day(60), time.time())

    await transcode_video(fakes, uploaded(spent), producer=PRODUCER, config=config)

    rejected_saying(fakes, spent, "processing_budget_spent", "minutes of video processed today")
    assert fakes.slots.slots[spent.owner_id] == {}


async def test_a_failed_attempt_takes_back_the_playable_it_had_said(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attempt that fails deletes what it put early: the record must stop offering it."""
    ffmpeg_raises(monkeypatch, TranscodeFailed("ffmpeg exited 1: Conversion failed!"))
    config = config_of(tmp_path)
    video = await uploaded_video(
        fakes, clip, status=VideoStatus.PROCESSING, hls_master_key=keys.hls_master_key("x")
    )
    assert video.playable

    with pytest.raises(RetryLater):
        await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config)

    after = stored(fakes, video.id)
    assert (after.status, after.playable, after.hls_master_key) == (
        VideoStatus.PROCESSING,
        False,
        None,
    )


async def test_a_video_deleted_while_ffmpeg_runs_stops_it_and_keeps_nothing(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner deletes the video mid-transcode: the next progress report sees it, ffmpeg is
    stopped instead of running to its end, and nothing is published or left behind."""
    video = await uploaded_video(fakes, clip)
    stopped: list[str] = []

    async def ffmpeg_deleted_under(*args: object, on_progress: Any, **kwargs: object) -> None:
        current = stored(fakes, video.id)
        await fakes.videos.save(current.deleted(), expected=current)  # the owner, meanwhile
        await on_progress(10.0)
        try:  # ffmpeg would go on for as long as the video is long (a deadline, not a hang)
            async with asyncio.timeout(60):
                await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.append("ffmpeg")
            raise

    monkeypatch.setattr(transcode_usecase, "transcode", ffmpeg_deleted_under)

    await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config_of(tmp_path))

    assert stopped == ["ffmpeg"]
    assert stored(fakes, video.id).status is VideoStatus.DELETED
    assert media(fakes, video) == []
    assert fakes.publisher.published == []
    assert fakes.slots.slots[video.owner_id] == {}
    assert list(tmp_path.iterdir()) == []


async def test_outputs_of_a_video_deleted_while_they_went_up_are_deleted(
    fakes: WorkerFakes, clip: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Housekeeping deletes a deleted video's objects, but what lands after it ran would stay:
    the transcoder reads the record once its last output is up, and deletes them itself."""
    video = await uploaded_video(fakes, clip)
    upload = fakes.objects.upload

    async def upload_then_delete(path: Path, key: str, *, content_type: str) -> None:
        await upload(path, key, content_type=content_type)
        if key == keys.hls_master_key(video.id) and path.parent.name == "hls":  # the last
            current = stored(fakes, video.id)
            await fakes.videos.save(current.deleted(), expected=current)

    monkeypatch.setattr(fakes.objects, "upload", upload_then_delete)

    await transcode_video(fakes, uploaded(video), producer=PRODUCER, config=config_of(tmp_path))

    assert stored(fakes, video.id).status is VideoStatus.DELETED
    assert media(fakes, video) == []
