"""Transcode a probed source into the MP4 ladder and a poster with one guarded ffmpeg process.

One decode feeds everything: the frames are scaled to the top rung, then split and scaled down
rung by rung (cascaded), each rung encoded once (H.264 yuv420p, x264 veryfast, CRF capped by the
rung's maxrate, AAC stereo when the source has audio, `+faststart`), and the poster JPEG is taken
from the top rung at 10 % of the duration. The ffmpeg CLI applies the source's rotation, so every
output is upright with square pixels.

The child is guarded: no stdin, the input demuxer forced and whitelisted, only the `file`
protocol, `max_pixels` on the decoder, `-xerror` (exit on the first error instead of writing
garbage), a thread cap, its own process group (killed whole on timeout or cancellation), and its
outputs checked to exist and be non-empty. The caller owns `out_dir` and removes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import imageio_ffmpeg

from videoshare.media.ladder import Rung, transcode_ladder
from videoshare.media.probe import DEFAULT_MAX_PIXELS, FORMAT_WHITELIST, ProbeResult

ProgressCallback = Callable[[float], Awaitable[None]]

MAX_OUTPUT_FPS: Final = 60  # faster sources (slow-motion phone clips) are resampled to this
KEYFRAME_INTERVAL_S: Final = 4  # time-based, so renditions stay aligned for HLS packaging later
PROGRESS_INTERVAL_S: Final = 1.0
STDERR_TAIL_BYTES: Final = 4096
POSTER_NAME: Final = "poster.jpg"
_JPEG_MAGIC: Final = b"\xff\xd8\xff"


class TranscodeFailed(Exception):
    """ffmpeg did not produce the outputs. `reason` ends with ffmpeg's last error lines."""

    def __init__(self, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


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


async def transcode(
    source: Path,
    out_dir: Path,
    probe: ProbeResult,
    *,
    threads: int,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> TranscodeOutput:
    """Write `{rung}.mp4` for each rung of the ladder and `poster.jpg` into `out_dir` (existing).

    Raises `TranscodeFailed` when ffmpeg fails, outlives `timeout_s` (wall clock, process
    included) or leaves an output missing; ffmpeg is never left running, cancellation included.
    `on_progress` gets the percentage done, at most about once a second, and 100.0 at the end.
    """
    rungs = transcode_ladder(probe.width, probe.height)
    argv = ffmpeg_command(source, out_dir, probe, rungs, threads=threads, max_pixels=max_pixels)
    await _run_guarded(
        argv, duration_s=probe.duration_s, timeout_s=timeout_s, on_progress=on_progress
    )
    return _collect_outputs(out_dir, rungs, probe.duration_s)


def ffmpeg_command(
    source: Path,
    out_dir: Path,
    probe: ProbeResult,
    rungs: list[Rung],
    *,
    threads: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[str]:
    """The argument list of the one ffmpeg process that makes every output."""
    argv = [ffmpeg_executable(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"]
    argv += ["-xerror", "-y", "-progress", "pipe:1"]
    argv += ["-threads", str(threads), "-filter_complex_threads", str(threads)]
    argv += ["-max_pixels", str(max_pixels), "-protocol_whitelist", "file"]
    argv += ["-format_whitelist", FORMAT_WHITELIST, "-f", probe.container]
    argv += ["-i", f"file:{source.resolve()}"]
    argv += ["-filter_complex", _filter_graph(probe, rungs)]
    for index, rung in enumerate(rungs):
        argv += ["-map", f"[r{index}]"]
        argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-profile:v", "high"]
        argv += ["-maxrate", str(rung.video_bitrate), "-bufsize", str(2 * rung.video_bitrate)]
        argv += ["-threads:v", str(threads if index == 0 else 1)]
        argv += ["-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_INTERVAL_S})"]
        argv += ["-sc_threshold", "0"]
        if probe.audio_stream_index is not None:
            argv += ["-map", f"0:{probe.audio_stream_index}"]
            argv += ["-c:a", "aac", "-b:a", str(rung.audio_bitrate), "-ac", "2"]
        argv += ["-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart"]
        argv += ["-f", "mp4", f"file:{(out_dir / f'{rung.name}.mp4').resolve()}"]
    argv += ["-map", "[poster]", "-frames:v", "1", "-update", "1", "-c:v", "mjpeg", "-q:v", "3"]
    argv += ["-map_metadata", "-1", "-f", "image2", f"file:{(out_dir / POSTER_NAME).resolve()}"]
    return argv


def ffmpeg_executable() -> str:
    """The static FFmpeg build shipped with imageio-ffmpeg (`IMAGEIO_FFMPEG_EXE` overrides it)."""
    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


def poster_time_s(duration_s: float) -> float:
    """When the poster frame is taken: 10 % in, past fade-ins and black leaders."""
    return max(0.0, duration_s * 0.1)


def _filter_graph(probe: ProbeResult, rungs: list[Rung]) -> str:
    """Decode once, scale to the top rung, then split and scale down rung by rung."""
    fps = f"fps={MAX_OUTPUT_FPS}," if (probe.frame_rate or 0) > MAX_OUTPUT_FPS + 0.5 else ""
    top = rungs[0]
    top_outputs = ["[r0]", "[p]"] + (["[c0]"] if len(rungs) > 1 else [])
    chains = [
        f"[0:{probe.video_stream_index}]{fps}scale={top.width}:{top.height},setsar=1,"
        f"format=yuv420p,split={len(top_outputs)}{''.join(top_outputs)}"
    ]
    for index, rung in enumerate(rungs[1:], start=1):
        scaled = f"[c{index - 1}]scale={rung.width}:{rung.height},setsar=1"
        if index < len(rungs) - 1:
            chains.append(f"{scaled},split=2[r{index}][c{index}]")
        else:
            chains.append(f"{scaled}[r{index}]")
    chains.append(f"[p]select=gte(t\\,{poster_time_s(probe.video_duration_s):.3f})[poster]")
    return ";".join(chains)


async def _run_guarded(
    argv: list[str], *, duration_s: float, timeout_s: float, on_progress: ProgressCallback | None
) -> None:
    """Run ffmpeg in its own process group; whatever happens, it is dead when this returns."""
    tail = _StderrTail()
    process: asyncio.subprocess.Process | None = None
    stderr_task: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(timeout_s) as deadline:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own process group, killed as a whole
            )
            assert process.stdout is not None  # both piped just above
            assert process.stderr is not None
            stderr_task = asyncio.create_task(tail.collect(process.stderr))
            await _report_progress(process.stdout, duration_s, on_progress)
            returncode = await process.wait()
            await stderr_task
    except TimeoutError:
        if not deadline.expired():
            raise
        raise TranscodeFailed(
            f"ffmpeg did not finish within {timeout_s:g} s and was killed", timed_out=True
        ) from None
    finally:
        if process is not None:
            await _kill_group(process)
        if stderr_task is not None:
            await stderr_task  # ends at EOF, which the dead process guarantees
    if returncode != 0:
        how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited {returncode}"
        raise TranscodeFailed(f"ffmpeg {how}: {tail.last_lines()}")


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


async def _report_progress(
    stdout: asyncio.StreamReader, duration_s: float, on_progress: ProgressCallback | None
) -> None:
    """Parse `-progress` blocks (key=value lines, each block ending in `progress=`)."""
    loop = asyncio.get_running_loop()
    last_report = -PROGRESS_INTERVAL_S
    out_time_s = 0.0
    async for raw_line in stdout:
        key, _, value = raw_line.decode("ascii", "replace").strip().partition("=")
        if key == "out_time_us":
            with contextlib.suppress(ValueError):  # "N/A" before the first frame
                out_time_s = int(value) / 1_000_000
        elif key == "progress" and on_progress is not None:
            ended = value == "end"
            if ended or loop.time() - last_report >= PROGRESS_INTERVAL_S:
                last_report = loop.time()
                await on_progress(100.0 if ended else _percent(out_time_s, duration_s))


def _percent(done_s: float, duration_s: float) -> float:
    if duration_s <= 0:
        return 0.0
    return min(100.0, max(0.0, 100.0 * done_s / duration_s))


class _StderrTail:
    """The last `STDERR_TAIL_BYTES` of ffmpeg's stderr (errors only: `-loglevel error`)."""

    def __init__(self) -> None:
        self.data = bytearray()

    async def collect(self, stderr: asyncio.StreamReader) -> None:
        while chunk := await stderr.read(STDERR_TAIL_BYTES):
            self.data += chunk
            del self.data[:-STDERR_TAIL_BYTES]

    def last_lines(self, count: int = 3) -> str:
        lines = self.data.decode("utf-8", "replace").strip().splitlines()
        return " / ".join(line.strip() for line in lines[-count:]) or "no error message"


def _collect_outputs(out_dir: Path, rungs: list[Rung], duration_s: float) -> TranscodeOutput:
    """Check that every expected file is there and non-empty (ffmpeg may exit 0 without one)."""
    files = []
    for rung in rungs:
        path = out_dir / f"{rung.name}.mp4"
        size = _size_of(path)
        bitrate = round(size * 8 / duration_s) if duration_s > 0 else rung.bitrate
        files.append(RenditionFile(rung.name, rung.width, rung.height, bitrate, path, size))
    poster = out_dir / POSTER_NAME
    _size_of(poster)
    with poster.open("rb") as file:
        if file.read(len(_JPEG_MAGIC)) != _JPEG_MAGIC:
            raise TranscodeFailed("ffmpeg wrote a poster that is not a JPEG")
    return TranscodeOutput(renditions=files, poster=poster)


def _size_of(path: Path) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    if size == 0:
        raise TranscodeFailed(f"ffmpeg finished without writing {path.name}")
    return size
