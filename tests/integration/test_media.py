"""The media layer against real PyAV and the real ffmpeg CLI, on tiny generated clips."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import av
import pytest

from tests.media import (
    ACCEPTED_CLIPS,
    accepted_clip,
    ffmpeg_children,
    make_audio_only,
    make_clip,
    make_huge_frame_clip,
    make_jpeg,
    probe_in_child,
    run_watching_fifo,
    unguarded_decode_in_child,
    write_empty,
    write_garbage_in_the_middle,
    write_hls_playlist,
    write_text,
    write_truncated,
    write_truncated_mdat,
    write_without_moov,
)
from tests.media_checks import Expected, check_output_set, read_folder, rendition_file
from videoshare.media.ffmpeg_command import ffmpeg_command
from videoshare.media.ladder import transcode_ladder
from videoshare.media.probe import (
    MediaRejected,
    ProbeLimits,
    ProbeResult,
    RejectCode,
    _first_frame,
    decoder_whitelist,
    open_media,
    probe,
)
from videoshare.media.storyboard import plan_storyboard
from videoshare.media.transcode import TranscodeFailed, transcode

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


def test_probe_calls_a_file_without_its_index_corrupt(tmp_path: Path, clip_320: Path) -> None:
    error = rejection(write_without_moov(clip_320, tmp_path / "no-moov.mp4"))
    assert error.code is RejectCode.CORRUPT
    assert "cannot be read" in error.reason


def test_probe_calls_media_data_cut_short_corrupt_though_its_start_decodes(
    tmp_path: Path, media_dir: Path
) -> None:
    whole = make_clip(media_dir / "faststart.mp4", faststart=True)
    cut = write_truncated_mdat(whole, tmp_path / "cut-mdat.mp4")
    with av.open(str(cut)) as container:  # the premise: FFmpeg alone sees nothing wrong
        assert next(container.decode(video=0)).width == 320
    error = rejection(cut)
    assert error.code is RejectCode.CORRUPT
    assert "'mdat' box needs" in error.reason


def test_probe_refuses_audio_without_video(tmp_path: Path) -> None:
    assert rejection(make_audio_only(tmp_path / "song.m4a")).code is RejectCode.NO_VIDEO_STREAM


def test_probe_refuses_a_codec_outside_the_whitelist(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "png.mov", codec="png", container="mov", audio=False)
    assert rejection(clip).code is RejectCode.UNSUPPORTED_CODEC


def test_probe_refuses_sound_outside_the_audio_allowlist(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "adpcm.mov", container="mov", audio_codec="adpcm_ima_qt")
    error = rejection(clip)
    assert error.code is RejectCode.UNSUPPORTED_CODEC
    assert error.reason.startswith("Sound encoded with adpcm_ima_qt is not supported")


def test_no_decoder_outside_the_lists_opens_for_pyav(tmp_path: Path) -> None:
    """The probe's decoding refuses a decoder outside the lists, whatever checks ran before
    (`probe` refuses PNG from the header; here its decoding step meets PNG anyway)."""
    clip = make_clip(tmp_path / "png.mov", codec="png", container="mov", audio=False)
    assert "png" not in decoder_whitelist(LIMITS).split(",")
    with open_media(clip, demuxer="mov", limits=LIMITS) as container:
        stream = container.streams.video[0]
        with pytest.raises(av.error.FFmpegError, match="avcodec_open2"):
            _first_frame(stream, container.demux(stream), LIMITS)


def test_no_decoder_outside_the_lists_opens_for_the_cli(tmp_path: Path, clip_320: Path) -> None:
    png = make_clip(tmp_path / "png.mov", codec="png", container="mov", audio=False)
    facts = probe(clip_320, limits=LIMITS)  # an accepted clip's facts, but PNG's bytes
    rungs = transcode_ladder(facts.width, facts.height)
    storyboard = plan_storyboard(facts.width, facts.height, facts.video_duration_s, 25)
    (tmp_path / "hls").mkdir()
    argv = ffmpeg_command(png, facts, rungs, storyboard, threads=1)
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "Codec (png) not on whitelist" in done.stderr


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
    assert rejection(huge).code is RejectCode.RESOLUTION_TOO_LARGE


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


# --- every hostile input at once: the right code, and bounded memory -----------------------

PROBE_MEMORY_LIMIT = 120 * 1024**2
"""A fresh Python probing with PyAV peaks at ~40-60 MiB here; decoding one 8192x8192 frame of
the bomb takes it to ~190 MiB (and the ffmpeg CLI to ~700 MiB)."""


def test_the_memory_witness_sees_an_unguarded_decode_of_the_bomb(tmp_path: Path) -> None:
    bomb = make_huge_frame_clip(tmp_path / "bomb.mp4")
    assert unguarded_decode_in_child(bomb) > PROBE_MEMORY_LIMIT


def test_hostile_uploads_are_refused_with_their_codes_in_bounded_memory(
    tmp_path: Path, media_dir: Path, clip_320: Path
) -> None:
    faststart = make_clip(media_dir / "faststart-hostile.mp4", faststart=True)
    decoy = tmp_path / "secret.ts"
    decoy.write_bytes(b"\x47" * 188)
    hostile = {
        make_audio_only(tmp_path / "song.mp4"): "no_video_stream",
        write_truncated_mdat(faststart, tmp_path / "cut-mdat.mp4"): "corrupt",
        write_without_moov(clip_320, tmp_path / "no-moov.mp4"): "corrupt",
        write_empty(tmp_path / "empty.mp4"): "not_a_video",
        write_text(tmp_path / "text.mp4"): "not_a_video",
        make_jpeg(tmp_path / "photo.mp4"): "not_a_video",
        make_huge_frame_clip(tmp_path / "bomb.mp4"): "resolution_too_large",
        write_hls_playlist(tmp_path / "playlist.mp4", segment=decoy): "not_a_video",
    }
    codes, peak_rss = probe_in_child(list(hostile))
    assert codes == hostile
    assert peak_rss < PROBE_MEMORY_LIMIT


# --- accepted inputs: the complete output set -----------------------------------------------

EXPECTED_LADDERS = {
    "720p-10s": [("720p", 1280, 720), ("480p", 854, 480), ("360p", 640, 360), ("240p", 426, 240)],
    "tiny-2s": [("120p", 160, 120)],  # below 240p: its own size
    "rotated-90": [("240p", 240, 320)],  # stored 320x240, displayed upright
    "portrait": [("360p", 360, 640), ("240p", 240, 426)],
    "video-only": [("240p", 320, 240)],
    "vp9-webm": [("240p", 320, 240)],
    "mov": [("240p", 320, 240)],
}


def test_every_accepted_clip_has_an_expected_ladder() -> None:
    assert set(EXPECTED_LADDERS) == set(ACCEPTED_CLIPS)


@pytest.mark.parametrize("name", sorted(EXPECTED_LADDERS))
async def test_an_accepted_clip_gets_its_ladder_hls_poster_and_storyboard(
    tmp_path: Path, name: str
) -> None:
    clip = accepted_clip(name)
    source = probe(clip, limits=LIMITS)
    progress: list[float] = []

    async def record(percent: float) -> None:
        progress.append(percent)

    output = await transcode(clip, tmp_path, source, threads=2, timeout_s=300, on_progress=record)

    options = ACCEPTED_CLIPS[name]
    expected = Expected(
        ladder=EXPECTED_LADDERS[name],
        duration_s=float(options.get("seconds", 2)),
        has_audio=bool(options.get("audio", True)),
    )
    assert [(r.name, r.width, r.height) for r in output.renditions] == expected.ladder
    files = read_folder(tmp_path)
    for rendition in output.renditions:  # its size: as one file, init and segments
        assert rendition.size_bytes == len(rendition_file(files, rendition.name)) > 0
    check_output_set(files, expected)
    _plays_through_the_master_playlist(output.hls_master, expected)
    assert progress == sorted(progress)
    assert progress[-1] == 100.0


async def test_a_transcode_says_how_long_ffmpeg_ran_and_on_how_much_cpu(tmp_path: Path) -> None:
    clip = accepted_clip("tiny-2s")
    output = await transcode(clip, tmp_path, probe(clip, limits=LIMITS), threads=2, timeout_s=60)
    assert output.ffmpeg is not None
    # the CPU is ffmpeg's own, reaped: a process that did the work used some
    assert output.ffmpeg.wall_s > 0
    assert output.ffmpeg.cpu_s > 0


def _plays_through_the_master_playlist(master: Path, expected: Expected) -> None:
    """FFmpeg's own HLS player follows the master to a variant and its segments, end to end."""
    with av.open(str(master), options={"protocol_whitelist": "file"}) as player:
        video = player.streams.video[0]
        frames = list(player.decode(video))
    last = frames[-1]
    assert last.time is not None
    assert last.time + 1 / 25 - frames[0].time == pytest.approx(expected.duration_s, abs=0.1)


async def test_an_anamorphic_source_comes_out_with_square_pixels(
    tmp_path: Path, media_dir: Path
) -> None:
    clip = make_clip(media_dir / "anamorphic.mp4", sample_aspect="4/3", audio=False)
    source = probe(clip, limits=LIMITS)
    assert (source.width, source.height) == (427, 240)  # 320 stored pixels, each 4/3 wide
    output = await transcode(clip, tmp_path, source, threads=2, timeout_s=60)
    [rendition] = output.renditions
    as_file = tmp_path / "240p.mp4"  # the rendition as one file: init and segments
    as_file.write_bytes(rendition_file(read_folder(tmp_path), rendition.name))
    made = probe(as_file, limits=LIMITS)
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
    assert output.storyboard_vtt.read_text().count("#xywh=") == 1


async def test_garbage_in_the_middle_is_rejected_as_corrupt_when_transcoding(
    tmp_path: Path, media_dir: Path
) -> None:
    whole = make_clip(media_dir / "whole.mp4", faststart=True)
    damaged = write_garbage_in_the_middle(whole, media_dir / "garbage.mp4")
    source = probe(damaged, limits=LIMITS)  # the premise: its start is fine, probing passes
    (tmp_path / "out").mkdir()
    with pytest.raises(MediaRejected) as caught:
        await transcode(damaged, tmp_path / "out", source, threads=1, timeout_s=60)
    assert caught.value.code is RejectCode.CORRUPT
    assert caught.value.reason.endswith(".")
    assert not ffmpeg_children()


def test_the_ffmpeg_command_carries_its_guards(clip_320: Path) -> None:
    source = probe(clip_320, limits=LIMITS)
    argv = ffmpeg_command(
        clip_320,
        source,
        transcode_ladder(source.width, source.height),
        plan_storyboard(source.width, source.height, source.duration_s, source.frame_rate),
        threads=3,
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
    assert argv.count("-i") == 1


async def test_ffmpeg_given_a_playlist_never_opens_the_local_file_it_names(
    tmp_path: Path, clip_320: Path
) -> None:
    """Should a playlist ever get past probing, the ffmpeg CLI's own guards still hold."""
    fifo = tmp_path / "secret.ts"
    os.mkfifo(fifo)
    playlist = write_hls_playlist(tmp_path / "source", segment=fifo)
    (tmp_path / "out").mkdir()
    source = probe(clip_320, limits=LIMITS)

    def run() -> None:
        asyncio.run(transcode(playlist, tmp_path / "out", source, threads=1, timeout_s=20))

    error, opened = run_watching_fifo(run, fifo)
    assert isinstance(error, MediaRejected)  # the forced demuxer finds no video in it
    assert error.code is RejectCode.CORRUPT
    assert not opened


async def test_an_ffmpeg_failure_is_reported_with_its_error(tmp_path: Path, clip_320: Path) -> None:
    source = probe(clip_320, limits=LIMITS)
    (tmp_path / "out").mkdir()
    missing = tmp_path / "gone.mp4"  # vanished between probing and transcoding: our fault
    with pytest.raises(TranscodeFailed) as caught:
        await transcode(missing, tmp_path / "out", source, threads=1, timeout_s=60)
    assert not caught.value.timed_out
    assert not caught.value.input_invalid
    assert "ffmpeg exited" in caught.value.reason
    assert "No such file or directory" in caught.value.reason  # ffmpeg's words, from stderr


@pytest.fixture
def stuck_source(tmp_path: Path, clip_320: Path) -> tuple[Path, ProbeResult]:
    """A FIFO nobody writes to: ffmpeg opening it as its input waits forever."""
    fifo = tmp_path / "stuck.mp4"
    os.mkfifo(fifo)
    return fifo, probe(clip_320, limits=LIMITS)


async def test_a_timeout_kills_ffmpeg_and_rejects_the_video_for_good(
    tmp_path: Path, stuck_source: tuple[Path, ProbeResult]
) -> None:
    """A second try would run as long again: a timeout is `too_costly`, never retried."""
    fifo, source = stuck_source
    assert not ffmpeg_children()
    with pytest.raises(MediaRejected) as caught:
        await transcode(fifo, tmp_path, source, threads=1, timeout_s=0.3)
    assert caught.value.code is RejectCode.TOO_COSTLY
    assert isinstance(caught.value.__cause__, TranscodeFailed)
    assert caught.value.__cause__.timed_out
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
