"""The media layer against real PyAV and the real ffmpeg CLI, on tiny generated clips."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import av
import pytest

from tests.media import (
    ffmpeg_children,
    make_audio_only,
    make_clip,
    make_huge_frame_clip,
    make_jpeg,
    run_watching_fifo,
    write_empty,
    write_hls_playlist,
    write_text,
    write_truncated,
)
from videoshare.media.ladder import transcode_ladder
from videoshare.media.probe import (
    MediaRejected,
    ProbeLimits,
    ProbeResult,
    RejectCode,
    open_media,
    probe,
)
from videoshare.media.transcode import TranscodeFailed, ffmpeg_command, transcode

LIMITS = ProbeLimits()


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def clip_320(media_dir: Path) -> Path:
    return make_clip(media_dir / "320.mp4")


@pytest.fixture(scope="module")
def clip_640(media_dir: Path) -> Path:
    return make_clip(media_dir / "640.mp4", width=640, height=360)


def rejection(path: Path, limits: ProbeLimits = LIMITS) -> MediaRejected:
    with pytest.raises(MediaRejected) as caught:
        probe(path, limits=limits)
    assert caught.value.reason.endswith(".")  # a sentence a person can read
    return caught.value


# --- probe: what a good file looks like ---------------------------------------------------------


def test_probe_reads_duration_size_codec_and_audio(clip_320: Path) -> None:
    result = probe(clip_320, limits=LIMITS)
    assert result.container == "mov"
    assert result.duration_s == pytest.approx(2.0, abs=0.1)
    assert (result.width, result.height, result.rotation) == (320, 240, 0)
    assert result.video_codec == "h264"
    assert result.frame_rate == pytest.approx(25.0)
    assert result.has_audio
    assert result.audio_codec == "aac"


def test_probe_of_a_video_only_clip_says_it_has_no_audio(media_dir: Path) -> None:
    result = probe(make_clip(media_dir / "silent.mp4", audio=False), limits=LIMITS)
    assert not result.has_audio
    assert result.audio_stream_index is None


@pytest.mark.parametrize(
    ("rotate", "rotation", "display"),
    [(90, 90, (240, 320)), (-90, 270, (240, 320)), (180, 180, (320, 240))],
)
def test_probe_of_a_rotated_clip_reports_its_display_size(
    media_dir: Path, rotate: int, rotation: int, display: tuple[int, int]
) -> None:
    result = probe(make_clip(media_dir / f"rot{rotate}.mp4", rotate=rotate), limits=LIMITS)
    assert result.rotation == rotation
    assert (result.width, result.height) == display
    assert (result.frame_width, result.frame_height) == (320, 240)


@pytest.mark.parametrize(
    ("container", "codec"), [("mkv", "h264"), ("webm", "vp8"), ("mov", "mpeg4")]
)
def test_probe_reads_other_accepted_containers_and_codecs(
    media_dir: Path, container: str, codec: str
) -> None:
    clip = make_clip(media_dir / f"other.{container}", codec=codec, container=container)
    result = probe(clip, limits=LIMITS)
    assert result.container == ("mov" if container == "mov" else "matroska")
    assert result.video_codec == codec
    assert result.duration_s == pytest.approx(2.0, abs=0.1)


def test_probe_measures_a_streamed_matroska_that_declares_no_duration(media_dir: Path) -> None:
    clip = make_clip(media_dir / "streamed.mkv", container="mkv", streamed=True)
    with av.open(str(clip)) as container:
        assert container.duration is None  # the premise: nothing declared
    assert probe(clip, limits=LIMITS).duration_s == pytest.approx(2.0, abs=0.1)


# --- probe: what it refuses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda d: write_text(d / "list.mp4"),
        lambda d: write_empty(d / "empty.mp4"),
        lambda d: make_jpeg(d / "photo.mp4"),
    ],
    ids=["text", "empty", "jpeg"],
)
def test_probe_refuses_what_is_not_a_video(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    assert rejection(make(tmp_path)).code is RejectCode.NOT_A_VIDEO


def test_probe_calls_an_upload_cut_short_corrupt(tmp_path: Path, clip_320: Path) -> None:
    truncated = write_truncated(clip_320, tmp_path / "cut.mp4")  # the index (moov) is lost
    assert rejection(truncated).code is RejectCode.CORRUPT


def test_probe_refuses_audio_without_video(tmp_path: Path) -> None:
    assert rejection(make_audio_only(tmp_path / "song.m4a")).code is RejectCode.NO_VIDEO_STREAM


def test_probe_refuses_a_codec_outside_the_whitelist(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "png.mov", codec="png", container="mov", audio=False)
    assert rejection(clip).code is RejectCode.UNSUPPORTED_CODEC


def test_probe_refuses_a_video_longer_than_the_limit(clip_320: Path) -> None:
    error = rejection(clip_320, ProbeLimits(max_duration_s=1.5))
    assert error.code is RejectCode.TOO_LONG


def test_probe_refuses_a_streamed_video_longer_than_the_limit(media_dir: Path) -> None:
    clip = make_clip(media_dir / "streamed-long.mkv", container="mkv", streamed=True)
    assert rejection(clip, ProbeLimits(max_duration_s=1.5)).code is RejectCode.TOO_LONG


def test_probe_refuses_sizes_outside_the_limits(clip_320: Path) -> None:
    too_large = rejection(clip_320, ProbeLimits(max_pixels=320 * 240 - 1))
    assert too_large.code is RejectCode.RESOLUTION_TOO_LARGE
    too_small = rejection(clip_320, ProbeLimits(min_side=241))
    assert too_small.code is RejectCode.RESOLUTION_TOO_SMALL


def test_probe_refuses_8192_square_frames_by_default_and_quickly(tmp_path: Path) -> None:
    huge = make_huge_frame_clip(tmp_path / "huge.mp4")
    assert huge.stat().st_size < 1_000_000  # a small file declaring 67 Mpx pictures
    started = time.monotonic()
    assert rejection(huge).code is RejectCode.RESOLUTION_TOO_LARGE
    assert time.monotonic() - started < 1.0  # no frame of that size was decoded


# --- the playlist trick: a local file must never be opened ------------------------------------


@pytest.fixture
def secret_fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "secret.ts"  # an extension the HLS demuxer accepts for segments
    os.mkfifo(fifo)
    return fifo


def test_the_fifo_detector_sees_an_unguarded_ffmpeg_read_the_local_file(
    tmp_path: Path, secret_fifo: Path
) -> None:
    playlist = write_hls_playlist(tmp_path / "upload.m3u8", segment=secret_fifo)
    _, opened = run_watching_fifo(lambda: av.open(str(playlist)).close(), secret_fifo)
    assert opened  # without the guards FFmpeg follows the playlist to the local file


@pytest.mark.parametrize("name", ["upload.mp4", "upload.m3u8", "source"])
def test_probe_refuses_a_playlist_without_opening_the_local_file(
    tmp_path: Path, secret_fifo: Path, name: str
) -> None:
    playlist = write_hls_playlist(tmp_path / name, segment=secret_fifo)
    error, opened = run_watching_fifo(lambda: probe(playlist, limits=LIMITS), secret_fifo)
    assert isinstance(error, MediaRejected)
    assert error.code is RejectCode.NOT_A_VIDEO
    assert not opened


def test_the_format_whitelist_alone_refuses_a_playlist(tmp_path: Path, secret_fifo: Path) -> None:
    playlist = write_hls_playlist(tmp_path / "upload.m3u8", segment=secret_fifo)
    error, opened = run_watching_fifo(
        lambda: open_media(playlist, demuxer=None, limits=LIMITS).close(), secret_fifo
    )
    assert isinstance(error, av.error.FFmpegError)  # refused before the sniffing layer is asked
    assert not opened


# --- transcode ----------------------------------------------------------------------------------


async def test_transcode_makes_the_ladder_and_a_poster(tmp_path: Path, clip_640: Path) -> None:
    source = probe(clip_640, limits=LIMITS)
    progress: list[float] = []

    async def record(percent: float) -> None:
        progress.append(percent)

    output = await transcode(
        clip_640, tmp_path, source, threads=2, timeout_s=60, on_progress=record
    )

    assert [(r.name, r.width, r.height) for r in output.renditions] == [
        ("360p", 640, 360),
        ("240p", 426, 240),
    ]
    for rendition in output.renditions:
        assert rendition.size_bytes == rendition.path.stat().st_size > 0
        made = probe(rendition.path, limits=LIMITS)
        assert (made.video_codec, made.width, made.height) == (
            "h264",
            rendition.width,
            rendition.height,
        )
        assert made.has_audio
        assert made.duration_s == pytest.approx(2.0, abs=0.1)
    assert output.poster.read_bytes()[:3] == b"\xff\xd8\xff"
    with av.open(str(output.poster)) as poster:
        picture = next(poster.decode(video=0))
        assert (picture.width, picture.height) == (640, 360)
    assert progress
    assert progress == sorted(progress)
    assert progress[-1] == 100.0


async def test_a_rotated_source_comes_out_upright(tmp_path: Path, media_dir: Path) -> None:
    clip = make_clip(media_dir / "portrait.mp4", rotate=90, audio=False)
    output = await transcode(clip, tmp_path, probe(clip, limits=LIMITS), threads=2, timeout_s=60)
    [rendition] = output.renditions
    made = probe(rendition.path, limits=LIMITS)
    assert (made.width, made.height, made.rotation) == (240, 320, 0)
    assert not made.has_audio


async def test_an_anamorphic_source_comes_out_with_square_pixels(
    tmp_path: Path, media_dir: Path
) -> None:
    clip = make_clip(media_dir / "anamorphic.mp4", sample_aspect="4/3", audio=False)
    source = probe(clip, limits=LIMITS)
    assert (source.width, source.height) == (427, 240)  # 320 stored pixels, each 4/3 wide
    output = await transcode(clip, tmp_path, source, threads=2, timeout_s=60)
    [rendition] = output.renditions
    made = probe(rendition.path, limits=LIMITS)
    assert (made.width, made.height) == (made.frame_width, made.frame_height) == (428, 240)
    assert made.width / made.height == pytest.approx(16 / 9, rel=0.01)


async def test_the_poster_is_taken_within_a_video_track_shorter_than_its_audio(
    tmp_path: Path, media_dir: Path
) -> None:
    clip = make_clip(media_dir / "short-picture.mp4", seconds=0.4, audio_seconds=6)
    source = probe(clip, limits=LIMITS)
    assert source.duration_s > 5 * source.video_duration_s  # the premise
    output = await transcode(clip, tmp_path, source, threads=2, timeout_s=60)
    assert output.poster.read_bytes()[:3] == b"\xff\xd8\xff"


def test_the_ffmpeg_command_carries_its_guards(tmp_path: Path, clip_320: Path) -> None:
    source = probe(clip_320, limits=LIMITS)
    argv = ffmpeg_command(
        clip_320, tmp_path, source, transcode_ladder(source.width, source.height), threads=3
    )
    options = argv[: argv.index("-i")]
    for flag, value in [
        ("-protocol_whitelist", "file"),
        ("-f", "mov"),
        ("-threads", "3"),
        ("-max_pixels", str(LIMITS.max_pixels)),
    ]:
        assert options[options.index(flag) + 1] == value
    assert {"-nostdin", "-xerror", "-format_whitelist"} <= set(options)
    assert argv.count("-filter_complex") == 1  # one decode feeds every output


async def test_an_ffmpeg_failure_is_reported_with_its_error(tmp_path: Path, clip_320: Path) -> None:
    not_a_video = write_text(tmp_path / "list.mp4")
    with pytest.raises(TranscodeFailed) as caught:
        await transcode(
            not_a_video, tmp_path, probe(clip_320, limits=LIMITS), threads=1, timeout_s=60
        )
    assert not caught.value.timed_out
    assert "ffmpeg exited" in caught.value.reason
    assert "Invalid data found" in caught.value.reason  # ffmpeg's own words, from its stderr


@pytest.fixture
def stuck_source(tmp_path: Path, clip_320: Path) -> tuple[Path, ProbeResult]:
    """A FIFO nobody writes to: ffmpeg opening it as its input waits forever."""
    fifo = tmp_path / "stuck.mp4"
    os.mkfifo(fifo)
    return fifo, probe(clip_320, limits=LIMITS)


async def test_a_timeout_kills_ffmpeg(
    tmp_path: Path, stuck_source: tuple[Path, ProbeResult]
) -> None:
    fifo, source = stuck_source
    assert not ffmpeg_children()
    started = time.monotonic()
    with pytest.raises(TranscodeFailed) as caught:
        await transcode(fifo, tmp_path, source, threads=1, timeout_s=0.3)
    assert caught.value.timed_out
    assert time.monotonic() - started < 5
    assert not ffmpeg_children()


async def test_cancelling_a_transcode_kills_ffmpeg(
    tmp_path: Path, stuck_source: tuple[Path, ProbeResult]
) -> None:
    fifo, source = stuck_source
    task = asyncio.create_task(transcode(fifo, tmp_path, source, threads=1, timeout_s=60))
    deadline = time.monotonic() + 10
    while not ffmpeg_children() and time.monotonic() < deadline:  # noqa: ASYNC110 - polls /proc
        await asyncio.sleep(0.01)
    assert ffmpeg_children()  # running (blocked on its input)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not ffmpeg_children()
