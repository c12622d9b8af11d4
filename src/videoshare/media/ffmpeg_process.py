"""Run ffmpeg as a guarded child process: no stdin, its own process group (killed whole on
timeout, failure or cancellation), dead with the worker if the worker is killed, OS limits
(`ffmpeg_limits.py`: address space, CPU seconds, file size, open files), a wall-clock deadline,
the tail of its stderr kept as the failure reason, and its `-progress` reports turned into a
percentage, at most once a second."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from videoshare.children import die_with_parent
from videoshare.media.ffmpeg_limits import FfmpegLimits

ProgressCallback = Callable[[float], Awaitable[None]]

PROGRESS_INTERVAL_S: Final = 1.0
# A line per frame of the first video stream as it leaves its encoder (`-stats_enc_post`,
# `ffmpeg_command.py`): `-progress` says nothing until every output file has started, and the
# storyboard's starts only at the end (its tile is whole then), so alone it went 0 → 99 %.
ENCODED_KEY: Final = "encoded"
ENCODED_FORMAT: Final = f"{ENCODED_KEY}={{n}},{{t}}\n"  # frames out of the encoder, and seconds
STDERR_TAIL_BYTES: Final = 4096
# What ffmpeg (run with -xerror) says when the input's bits are bad, not when we are.
_INVALID_INPUT: Final = ("Invalid data found when processing input", "corrupt input packet")


@dataclass(frozen=True, slots=True)
class FfmpegRun:
    """What one ffmpeg run took: wall-clock seconds, and the CPU seconds it used (its threads
    on every core together)."""

    wall_s: float
    cpu_s: float


class TranscodeFailed(Exception):
    """ffmpeg did not produce the outputs. `reason` ends with ffmpeg's last error lines;
    `input_invalid` says ffmpeg blamed the input's data (a permanent fault of the upload);
    `over_limit` says which OS limit stopped it (the input asks for more than we give)."""

    def __init__(
        self,
        reason: str,
        *,
        timed_out: bool = False,
        input_invalid: bool = False,
        over_limit: str | None = None,
    ):
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out
        self.input_invalid = input_invalid
        self.over_limit = over_limit


async def run_ffmpeg(
    argv: list[str],
    *,
    cwd: Path,
    duration_s: float,
    timeout_s: float,
    on_progress: ProgressCallback | None,
    total_frames: int | None = None,
    limits: FfmpegLimits | None = None,
) -> FfmpegRun:
    """Run `argv` (which writes `-progress pipe:1`) in `cwd`; whatever happens, it is dead when
    this returns. Returns how long it ran and on how much CPU; raises `TranscodeFailed` on a
    non-zero exit or after `timeout_s`. `limits`: the OS limits it runs under (None:
    `FfmpegLimits()`'s defaults).

    Progress is the first video output's frame count against `total_frames` when known, else
    the output time against `duration_s` (which the audio, encoded ahead, can skew)."""
    limits = limits or FfmpegLimits()
    started = time.monotonic()
    cpu_before = children_cpu_s()
    tail = _StderrTail()
    process: asyncio.subprocess.Process | None = None
    stderr_task: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(timeout_s) as deadline:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own process group, killed as a whole
                # its limits, and killed with the worker however it dies
                preexec_fn=limits.preexec(die_with_parent()),
            )
            assert process.stdout is not None  # both piped just above
            assert process.stderr is not None
            stderr_task = asyncio.create_task(tail.collect(process.stderr))
            await _report_progress(
                process.stdout, ProgressMeter(duration_s, total_frames), on_progress
            )
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
        over_limit = limits.breach(returncode, tail.text(), children_cpu_s() - cpu_before)
        if over_limit:
            how = f"was stopped: {over_limit}"
        raise TranscodeFailed(
            f"ffmpeg {how}: {tail.last_lines()}",
            input_invalid=returncode > 0 and tail.mentions(_INVALID_INPUT),
            over_limit=over_limit,
        )
    # what reaped children used since: ffmpeg's own (a transcoder runs one at a time)
    return FfmpegRun(wall_s=time.monotonic() - started, cpu_s=children_cpu_s() - cpu_before)


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


class ProgressMeter:
    """How far along ffmpeg is, from its `-progress` keys and its per-frame encoder lines
    (`ENCODED_KEY`); never goes backwards."""

    def __init__(self, duration_s: float, total_frames: int | None) -> None:
        self.duration_s = duration_s
        self.total_frames = total_frames
        self.percent = 0.0

    def update(self, key: str, value: str) -> None:
        with contextlib.suppress(ValueError):  # "N/A" before the first frame
            if key == ENCODED_KEY:
                frames, _, seconds = value.partition(",")
                key, value = ("frame", frames) if self.total_frames else ("out_time_s", seconds)
            if key == "frame" and self.total_frames:
                now = percent_done(int(value), self.total_frames)
            elif key == "out_time_us" and not self.total_frames:
                now = percent_done(int(value) / 1_000_000, self.duration_s)
            elif key == "out_time_s" and not self.total_frames:
                now = percent_done(float(value), self.duration_s)
            else:
                return
            self.percent = max(self.percent, now)


async def _report_progress(
    stdout: asyncio.StreamReader, done: ProgressMeter, on_progress: ProgressCallback | None
) -> None:
    """Parse `-progress` blocks (key=value lines, each block ending in `progress=`) and the
    encoder's per-frame lines between them; report after either, at most once a second."""
    loop = asyncio.get_running_loop()
    last_report = -PROGRESS_INTERVAL_S
    async for raw_line in stdout:
        key, _, value = raw_line.decode("ascii", "replace").strip().partition("=")
        if key != "progress":
            done.update(key, value)
        if on_progress is None or key not in ("progress", ENCODED_KEY):
            continue
        ended = key == "progress" and value == "end"
        if ended or loop.time() - last_report >= PROGRESS_INTERVAL_S:
            last_report = loop.time()
            await on_progress(100.0 if ended else min(done.percent, 99.9))


def percent_done(done: float, total: float) -> float:
    if total <= 0:
        return 0.0
    return min(100.0, max(0.0, 100.0 * done / total))


class _StderrTail:
    """The last `STDERR_TAIL_BYTES` of ffmpeg's stderr (errors only: `-loglevel error`)."""

    def __init__(self) -> None:
        self.data = bytearray()

    async def collect(self, stderr: asyncio.StreamReader) -> None:
        while chunk := await stderr.read(STDERR_TAIL_BYTES):
            self.data += chunk
            del self.data[:-STDERR_TAIL_BYTES]

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    def mentions(self, phrases: tuple[str, ...]) -> bool:
        return any(phrase in self.text() for phrase in phrases)

    def last_lines(self, count: int = 3) -> str:
        lines = self.data.decode("utf-8", "replace").strip().splitlines()
        return " / ".join(line.strip() for line in lines[-count:]) or "no error message"
