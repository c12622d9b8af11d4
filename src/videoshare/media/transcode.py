"""Transcode a probed source into the complete output set with one guarded ffmpeg process:
the ladder as CMAF (per rung an HLS media playlist, an init segment and ~4 s fragmented-MP4
segments: the one copy of each rendition, played as HLS and downloaded as a file), a master
playlist, a poster and a storyboard (sprite + WebVTT). See `ffmpeg_command.py` for how one
decode feeds them all.

After ffmpeg exits 0 every expected file is checked to exist (a `tee` slave ffmpeg could not
open is dropped with a log line, not an error), the storyboard VTT is written from the same plan
the filter graph used, and the master playlist is written with bandwidths measured from the
segments themselves. While ffmpeg runs, `provisional_master` gives the master a player can
start with (the rungs' caps as bandwidths). The caller owns `out_dir` and removes it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import av

from videoshare.media.ffmpeg_command import (
    HLS_DIR,
    MAX_OUTPUT_FPS,
    POSTER_NAME,
    ffmpeg_command,
    ffmpeg_executable,
    init_name,
    variant_name,
)
from videoshare.media.ffmpeg_limits import FfmpegLimits
from videoshare.media.ffmpeg_process import (
    FfmpegRun,
    ProgressCallback,
    TranscodeFailed,
    run_ffmpeg,
)
from videoshare.media.hls import (
    AAC_LC,
    MASTER_NAME,
    PlaylistError,
    Variant,
    avc1_codec,
    average_bandwidth,
    master_playlist,
    nominal_bandwidth,
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
    "OutputPlan",
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
    path: Path  # its HLS media playlist; the init segment and the segments are beside it
    size_bytes: int  # the init segment and every segment: the rendition as a file


@dataclass(frozen=True, slots=True)
class TranscodeOutput:
    renditions: list[RenditionFile]  # largest first
    poster: Path
    storyboard_image: Path
    storyboard_vtt: Path
    hls_master: Path
    hls_files: list[Path]  # every other file of hls/: media playlists, init segments, segments
    ffmpeg: FfmpegRun | None = None  # the run that made them (None: not made by one)


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """What `transcode` will write for a probed source, known before ffmpeg starts."""

    rungs: list[Rung]  # largest first
    storyboard: StoryboardPlan
    has_audio: bool
    frame_rate: float | None  # of every rung (passthrough, capped)

    @staticmethod
    def of(probe: ProbeResult) -> OutputPlan:
        return OutputPlan(
            rungs=transcode_ladder(probe.width, probe.height),
            storyboard=plan_storyboard(
                probe.width, probe.height, probe.video_duration_s, probe.frame_rate
            ),
            has_audio=probe.has_audio,
            frame_rate=min(probe.frame_rate, MAX_OUTPUT_FPS) if probe.frame_rate else None,
        )


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
    plan = OutputPlan.of(probe)
    await asyncio.to_thread((out_dir / HLS_DIR).mkdir, exist_ok=True)
    argv = ffmpeg_command(
        source,
        probe,
        plan.rungs,
        plan.storyboard,
        threads=threads,
        max_pixels=max_pixels,
        codec_whitelist=codec_whitelist,
    )
    try:
        ran = await run_ffmpeg(
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
    output = await asyncio.to_thread(_package, out_dir, probe, plan)
    return replace(output, ffmpeg=ran)


def _minutes(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


def _expected_frames(probe: ProbeResult) -> int | None:
    """About how many frames the top rung gets (passthrough, but at most 60 a second)."""
    if not probe.frame_rate:
        return None
    return max(1, round(probe.video_duration_s * min(probe.frame_rate, MAX_OUTPUT_FPS)))


def provisional_master(hls_dir: Path, plan: OutputPlan) -> str:
    """The master playlist to store while ffmpeg still runs (every rung's init segment must
    be written): each rung's cap as its bandwidth, until the end measures the segments."""
    variants = [
        Variant(
            uri=variant_name(rung),
            bandwidth=nominal_bandwidth(rung.video_bitrate, rung.audio_bitrate),
            average_bandwidth=nominal_bandwidth(rung.video_bitrate, rung.audio_bitrate),
            width=rung.width,
            height=rung.height,
            codecs=_codecs(hls_dir / init_name(rung), plan.has_audio),
            frame_rate=plan.frame_rate,
        )
        for rung in plan.rungs
    ]
    return master_playlist(variants)


def _package(out_dir: Path, probe: ProbeResult, plan: OutputPlan) -> TranscodeOutput:
    """Check what ffmpeg wrote; add the storyboard VTT and the HLS master playlist."""
    poster = _jpeg(out_dir / POSTER_NAME)
    sprite = _jpeg(out_dir / SPRITE_NAME)
    vtt = out_dir / VTT_NAME
    vtt.write_text(storyboard_vtt(plan.storyboard), encoding="utf-8")

    hls_dir = out_dir / HLS_DIR
    variants, renditions, hls_files = [], [], []
    for rung in plan.rungs:
        variant, rendition, files = _variant(hls_dir, rung, probe, plan)
        variants.append(variant)
        renditions.append(rendition)
        hls_files += files
    master = hls_dir / MASTER_NAME
    master.write_text(master_playlist(variants), encoding="utf-8")
    return TranscodeOutput(renditions, poster, sprite, vtt, master, hls_files)


def _variant(
    hls_dir: Path, rung: Rung, probe: ProbeResult, plan: OutputPlan
) -> tuple[Variant, RenditionFile, list[Path]]:
    """One rung's media playlist checked against its files on disk: its master entry, the
    rendition it makes, and its files."""
    playlist_path = hls_dir / variant_name(rung)
    _size_of(playlist_path)
    try:
        playlist = parse_media_playlist(playlist_path.read_text(encoding="utf-8"))
    except (PlaylistError, ValueError) as error:
        raise TranscodeFailed(f"ffmpeg wrote an unusable {playlist_path.name}: {error}") from error
    if not playlist.ended or not playlist.segments or playlist.init_uri != init_name(rung):
        raise TranscodeFailed(f"ffmpeg left {playlist_path.name} unfinished")
    init = hls_dir / playlist.init_uri
    segments = [(s.duration_s, _size_of(hls_dir / s.uri)) for s in playlist.segments]
    variant = Variant(
        uri=playlist_path.name,
        bandwidth=peak_bandwidth(segments, playlist.target_duration_s),
        average_bandwidth=average_bandwidth(segments),
        width=rung.width,
        height=rung.height,
        codecs=_codecs(init, plan.has_audio),
        frame_rate=plan.frame_rate,
    )
    size = _size_of(init) + sum(size for _, size in segments)
    bitrate = round(size * 8 / probe.duration_s) if probe.duration_s > 0 else rung.bitrate
    rendition = RenditionFile(rung.name, rung.width, rung.height, bitrate, playlist_path, size)
    return variant, rendition, [playlist_path, init, *(hls_dir / s.uri for s in playlist.segments)]


def _codecs(init: Path, has_audio: bool) -> str:
    """`CODECS` of a rung, from its init segment's `avcC` (our own output, not the upload)."""
    try:
        with av.open(str(init), format="mp4") as container:
            avcc = container.streams.video[0].codec_context.extradata or b""
        return avc1_codec(avcc) + (f",{AAC_LC}" if has_audio else "")
    except (av.error.FFmpegError, IndexError, PlaylistError) as error:
        raise TranscodeFailed(f"ffmpeg wrote an unusable {init.name}: {error}") from error


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
