"""Transcode a probed source into the complete output set with one guarded ffmpeg process:
the MP4 ladder, HLS (a master playlist, one media playlist per rung, ~4 s segments), a poster
and a storyboard (sprite + WebVTT). See `ffmpeg_command.py` for how one decode feeds them all.

After ffmpeg exits 0 every expected file is checked to exist (a `tee` slave ffmpeg could not
open is dropped with a log line, not an error), the storyboard VTT is written from the same plan
the filter graph used, and the master playlist is written with bandwidths measured from the
segments themselves. The caller owns `out_dir` and removes it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import av

from videoshare.media.ffmpeg_command import (
    HLS_DIR,
    MAX_OUTPUT_FPS,
    POSTER_NAME,
    ffmpeg_command,
    ffmpeg_executable,
    mp4_name,
    variant_name,
)
from videoshare.media.ffmpeg_limits import FfmpegLimits
from videoshare.media.ffmpeg_process import ProgressCallback, TranscodeFailed, run_ffmpeg
from videoshare.media.hls import (
    AAC_LC,
    MASTER_NAME,
    PlaylistError,
    Variant,
    avc1_codec,
    average_bandwidth,
    master_playlist,
    parse_media_playlist,
    peak_bandwidth,
)
from videoshare.media.ladder import Rung, transcode_ladder
from videoshare.media.probe import DEFAULT_MAX_PIXELS, MediaRejected, ProbeResult, RejectCode
from videoshare.media.storyboard import (
    SPRITE_NAME,
    VTT_NAME,
    StoryboardPlan,
    plan_storyboard,
    storyboard_vtt,
)

__all__ = [
    "RenditionFile",
    "TranscodeFailed",
    "TranscodeOutput",
    "ffmpeg_executable",  # the FFmpeg build every caller (tests included) runs
    "transcode",
]

_JPEG_MAGIC: Final = b"\xff\xd8\xff"


@dataclass(frozen=True, slots=True)
class RenditionFile:
    name: str
    width: int
    height: int
    bitrate: int  # measured average, video and audio together, bits per second
    path: Path
    size_bytes: int


@dataclass(frozen=True, slots=True)
class TranscodeOutput:
    renditions: list[RenditionFile]  # largest first
    poster: Path
    storyboard_image: Path
    storyboard_vtt: Path
    hls_master: Path
    hls_files: list[Path]  # every other file of hls/: media playlists and their segments


async def transcode(
    source: Path,
    out_dir: Path,
    probe: ProbeResult,
    *,
    threads: int,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    codec_whitelist: str | None = None,
    limits: FfmpegLimits | None = None,
) -> TranscodeOutput:
    """Write the complete output set into `out_dir` (existing, empty).

    Raises `MediaRejected` (corrupt) when ffmpeg finds bad data past what probing read (garbage
    in the middle, a cut-off end), or (too_costly) when ffmpeg goes past one of its OS
    `limits` or outlives `timeout_s` (wall clock, process included): the input asks too much,
    and retrying cannot help; `TranscodeFailed` when ffmpeg fails otherwise or leaves an output
    missing. ffmpeg is never left running, cancellation included.
    `on_progress` gets the percentage done, at most about once a second, and 100.0 at the end.
    """
    rungs = transcode_ladder(probe.width, probe.height)
    storyboard = plan_storyboard(
        probe.width, probe.height, probe.video_duration_s, probe.frame_rate
    )
    await asyncio.to_thread((out_dir / HLS_DIR).mkdir, exist_ok=True)
    argv = ffmpeg_command(
        source,
        probe,
        rungs,
        storyboard,
        threads=threads,
        max_pixels=max_pixels,
        codec_whitelist=codec_whitelist,
    )
    try:
        await run_ffmpeg(
            argv,
            cwd=out_dir,
            duration_s=probe.duration_s,
            timeout_s=timeout_s,
            on_progress=on_progress,
            total_frames=_expected_frames(probe),
            limits=limits,
        )
    except TranscodeFailed as failed:
        if failed.timed_out:  # a second try would run as long again: the input asks too much
            raise MediaRejected(
                RejectCode.TOO_COSTLY,
                f"The video cannot be processed within this service's limits: it took longer "
                f"than the {_minutes(timeout_s)} one video may take.",
            ) from failed
        if failed.over_limit:
            raise MediaRejected(
                RejectCode.TOO_COSTLY,
                f"The video cannot be processed within this service's limits: {failed.over_limit}.",
            ) from failed
        if not failed.input_invalid:
            raise
        raise MediaRejected(
            RejectCode.CORRUPT,
            "The video cannot be decoded all the way through; it may be damaged or incomplete.",
        ) from failed
    return await asyncio.to_thread(_package, out_dir, probe, rungs, storyboard)


def _minutes(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


def _expected_frames(probe: ProbeResult) -> int | None:
    """About how many frames the top rung gets (passthrough, but at most 60 a second)."""
    if not probe.frame_rate:
        return None
    return max(1, round(probe.video_duration_s * min(probe.frame_rate, MAX_OUTPUT_FPS)))


def _package(
    out_dir: Path, probe: ProbeResult, rungs: list[Rung], storyboard: StoryboardPlan
) -> TranscodeOutput:
    """Check what ffmpeg wrote; add the storyboard VTT and the HLS master playlist."""
    renditions = []
    for rung in rungs:
        path = out_dir / mp4_name(rung)
        size = _size_of(path)
        bitrate = round(size * 8 / probe.duration_s) if probe.duration_s > 0 else rung.bitrate
        renditions.append(RenditionFile(rung.name, rung.width, rung.height, bitrate, path, size))
    poster = _jpeg(out_dir / POSTER_NAME)
    sprite = _jpeg(out_dir / SPRITE_NAME)
    vtt = out_dir / VTT_NAME
    vtt.write_text(storyboard_vtt(storyboard), encoding="utf-8")

    hls_dir = out_dir / HLS_DIR
    frame_rate = min(probe.frame_rate, MAX_OUTPUT_FPS) if probe.frame_rate else None
    variants, hls_files = [], []
    for rung, rendition in zip(rungs, renditions, strict=True):
        variant, files = _variant(hls_dir, rung, rendition.path, probe.has_audio, frame_rate)
        variants.append(variant)
        hls_files += files
    master = hls_dir / MASTER_NAME
    master.write_text(master_playlist(variants), encoding="utf-8")
    return TranscodeOutput(renditions, poster, sprite, vtt, master, hls_files)


def _variant(
    hls_dir: Path, rung: Rung, mp4: Path, has_audio: bool, frame_rate: float | None
) -> tuple[Variant, list[Path]]:
    """One rung's media playlist checked against its segments on disk, as a master entry."""
    playlist_path = hls_dir / variant_name(rung)
    _size_of(playlist_path)
    try:
        playlist = parse_media_playlist(playlist_path.read_text(encoding="utf-8"))
    except (PlaylistError, ValueError) as error:
        raise TranscodeFailed(f"ffmpeg wrote an unusable {playlist_path.name}: {error}") from error
    if not playlist.ended or not playlist.segments:
        raise TranscodeFailed(f"ffmpeg left {playlist_path.name} unfinished")
    segments = [(s.duration_s, _size_of(hls_dir / s.uri)) for s in playlist.segments]
    with av.open(str(mp4), format="mp4") as container:  # our own output, not the upload
        avcc = container.streams.video[0].codec_context.extradata or b""
    codecs = avc1_codec(avcc) + (f",{AAC_LC}" if has_audio else "")
    variant = Variant(
        uri=playlist_path.name,
        bandwidth=peak_bandwidth(segments, playlist.target_duration_s),
        average_bandwidth=average_bandwidth(segments),
        width=rung.width,
        height=rung.height,
        codecs=codecs,
        frame_rate=frame_rate,
    )
    return variant, [playlist_path, *(hls_dir / s.uri for s in playlist.segments)]


def _jpeg(path: Path) -> Path:
    _size_of(path)
    with path.open("rb") as file:
        if file.read(len(_JPEG_MAGIC)) != _JPEG_MAGIC:
            raise TranscodeFailed(f"ffmpeg wrote a {path.name} that is not a JPEG")
    return path


def _size_of(path: Path) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    if size == 0:
        raise TranscodeFailed(f"ffmpeg finished without writing {path.name}")
    return size
