"""The media pipeline as a whole: the stack as real processes (the session's e2e machinery),
one upload after another through the public API.

- what the pipeline adds to a transcode: upload complete (the client's PUT returned) → `ready`
  (the record's `updated_at`, written by the metadata-indexer), minus the transcode itself
  (the transcoder's `transcoded` log line): event hops, the source download, probing, the
  output uploads and the record writes;
- the transcoder's peak resident memory, its ffmpeg child included, on a large source.

`python -m bench pipeline` prints the first; `bench_memory` measures the second on a 1- and a
10-minute source.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from tests.conftest import ARTIFACTS
from tests.e2e.client import User
from tests.media import accepted_clip
from tests.stack import Stack
from tests.stack import running_stack as stack_of_processes

from bench.report import Figure, median, write_report
from videoshare.local.emulator import start_emulator
from videoshare.tcp_ports import free_port

RUNS = 5
READY_TIMEOUT_S = 600
SINGLE_PUT_UP_TO_BYTES = 1024**3
START_TIMEOUT_S = 180  # a loaded machine starts six Python processes slowly


@dataclass(frozen=True)
class Run:
    video_id: str
    overhead_s: float  # upload complete → ready, minus the transcode
    transcode_s: float
    outputs_upload_s: float
    phases_ms: dict[str, float]  # the transcoder's `transcode_phases` line: start, fetch, …


@asynccontextmanager
async def running_stack() -> AsyncIterator[Stack]:
    """The emulator, a provisioned stack, the ingress and every worker as real processes."""
    ARTIFACTS.mkdir(exist_ok=True)
    emulator = start_emulator(port=free_port(), log_path=ARTIFACTS / "bench-emulator.log")
    # the big source of the memory figure goes up as one PUT, as the e2e client sends
    env = {"VIDEOSHARE_MULTIPART_THRESHOLD_BYTES": str(SINGLE_PUT_UP_TO_BYTES)}
    try:
        async with stack_of_processes(
            emulator.endpoint, "bench", env=env, ready_timeout_s=START_TIMEOUT_S
        ) as stack:
            yield stack
    finally:
        emulator.stop()


async def upload_until_ready(
    stack: Stack, http: aiohttp.ClientSession, clip: Path, timeout_s: float = READY_TIMEOUT_S
) -> Run:
    user = await User(http, stack.base_url).sign_up()
    created = await user.upload(clip, title="bench")
    uploaded_at = time.time()  # the PUT has returned: S3 holds the whole source
    video = await user.wait_for_status(
        created["id"], {"ready", "rejected", "failed"}, timeout_s=timeout_s
    )
    assert video["status"] == "ready", video
    ready_at = datetime.fromisoformat(video["updated_at"]).timestamp()
    transcode_s = _logged_ms(stack, "transcoded", "transcode_ms", video["id"]) / 1000
    upload_s = _logged_ms(stack, "outputs_uploaded", "upload_ms", video["id"]) / 1000
    phases = logged(stack, "transcode_phases", video["id"])
    phases_ms = {k: float(v) for k, v in phases.items() if k.endswith("_ms")}
    return Run(video["id"], ready_at - uploaded_at - transcode_s, transcode_s, upload_s, phases_ms)


def logged(stack: Stack, event: str, video_id: str) -> dict[str, Any]:
    for line in stack.log_lines("transcoder"):
        if line.get("event") == event and line.get("video_id") == video_id:
            return line
    raise AssertionError(f"the transcoder logged no {event} for {video_id}")


def _logged_ms(stack: Stack, event: str, field: str, video_id: str) -> float:
    return float(logged(stack, event, video_id)[field])


async def ready_overhead(stack: Stack, http: aiohttp.ClientSession) -> Figure:
    clip = accepted_clip("720p-10s")
    runs = [await upload_until_ready(stack, http, clip) for _ in range(RUNS)]
    return Figure(
        name="upload complete → ready, minus the transcode (10 s 720p, median of 5)",
        ours=median([r.overhead_s for r in runs]),
        baseline=median([r.transcode_s for r in runs]),
        unit="s",
        goal="≤ 0.3 s",
        baseline_name="the transcode itself",
        samples={
            "overhead_s": [r.overhead_s for r in runs],
            "transcode_s": [r.transcode_s for r in runs],
            "outputs_upload_s": [r.outputs_upload_s for r in runs],
            **{
                f"transcoder_{phase}_s": [r.phases_ms.get(f"{phase}_ms", 0.0) / 1000 for r in runs]
                for phase in ("start", "fetch", "upload", "publish")
            },
        },
    )


async def transcoder_peak_rss(
    stack: Stack, http: aiohttp.ClientSession, source: Path, timeout_s: float = READY_TIMEOUT_S
) -> Figure:
    """Upload `source` and sample the transcoder process tree's memory until it is ready."""
    transcoder = psutil.Process(stack.processes["transcoder"].pid)
    idle = transcoder.memory_info().rss
    with _peak_rss_of(transcoder) as peak:
        run = await upload_until_ready(stack, http, source, timeout_s)
    size = (await asyncio.to_thread(source.stat)).st_size
    puts = logged(stack, "outputs_put", run.video_id)
    mib = 1024**2
    return Figure(
        name=f"transcoder peak RSS, ffmpeg included ({size / mib:.0f} MiB source)",
        ours=peak.total / mib,
        baseline=size / mib,
        unit="MiB",
        goal="< 300 MiB",
        baseline_name="the source's size",
        samples={
            "transcode_s": [run.transcode_s],
            "outputs_upload_s": [run.outputs_upload_s],
            "python_peak_mib": [peak.python / mib],  # the transcoder process alone
            "python_beside_ffmpeg_mib": [peak.python_beside_children / mib],
            "ffmpeg_peak_mib": [peak.children / mib],
            "python_idle_mib": [idle / mib],
            "puts_after_ffmpeg": [float(puts["after_ffmpeg"])],
            "outputs": [float(puts["total"])],
        },
    )


@dataclass
class Peaks:
    """The largest resident memory seen: of the process and its descendants together, of the
    process alone (at any time, and while it had children), and of its descendants."""

    total: int = 0
    python: int = 0
    python_beside_children: int = 0
    children: int = 0


@contextmanager
def _peak_rss_of(process: psutil.Process, every_s: float = 0.02) -> Iterator[Peaks]:
    """The peaks of `process` and its descendants' resident memory while inside.

    A child counts once it runs its own program: between fork and exec (ffmpeg's limits are
    set there, `media/ffmpeg_limits.py`) it is a copy of this process whose pages are this
    process's, shared copy-on-write, and counting its RSS would count them twice (a sample
    that fell there once made a 10-minute source's ffmpeg "89 MiB" against 55)."""
    peak = Peaks()
    stop = threading.Event()
    interpreter = process.exe()

    def sample() -> None:
        while not stop.is_set():
            children = process.children(recursive=True)
            own = process.memory_info().rss
            theirs = 0
            for child in children:
                with contextlib.suppress(psutil.NoSuchProcess):  # ended meanwhile
                    if child.exe() != interpreter:
                        theirs += child.memory_info().rss
            peak.total = max(peak.total, own + theirs)
            peak.python = max(peak.python, own)
            peak.children = max(peak.children, theirs)
            if children:
                peak.python_beside_children = max(peak.python_beside_children, own)
            stop.wait(every_s)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


async def _main() -> str:
    async with running_stack() as stack, aiohttp.ClientSession() as http:
        figure = await ready_overhead(stack, http)
    return write_report("pipeline", [figure], notes=_notes(figure))


def _notes(figure: Figure) -> list[str]:
    uploads = figure.samples["outputs_upload_s"]
    return [
        f"Overhead runs (s): {', '.join(f'{v:.3f}' for v in figure.samples['overhead_s'])}.",
        f"Of which uploading the outputs to S3, median {median(uploads):.3f} s.",
        "Transcoder phases, median (s): "
        + ", ".join(
            f"{phase} {median(figure.samples[f'transcoder_{phase}_s']):.3f}"
            for phase in ("start", "fetch", "upload", "publish")
        )
        + ".",
    ]


def main() -> str:
    return asyncio.run(_main())
