"""What one transcode costs, for docs/SCALING.md (`make bench ONLY=cost`).

`transcode()` (the transcoder's whole output set: the CMAF ladder, one copy of each rendition,
its playlists, the poster and the storyboard) on 30 s of 720p with moving detail and grain
(`make_bench_source`, looped), at the transcoder's thread setting. Measured:

- CPU seconds (ffmpeg and this process, `getrusage`) per second of source: what a transcoder
  task spends per minute of 720p, whatever else the machine runs (CPU time, unlike wall
  time, barely moves with the machine's load);
- the bytes the outputs put into the media bucket per minute of source: what a ready video
  stores beside its source.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from bench.bench_watch import make_long_source
from bench.report import Figure, load_note, write_report
from videoshare.media.ladder import transcode_ladder
from videoshare.media.probe import ProbeLimits, probe
from videoshare.media.transcode import transcode

SOURCE_S = 30
THREADS = 2  # the setting's default: what the transcoder runs with
MB = 1_000_000


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def _main() -> str:
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-cost-"))
    try:
        source = make_long_source(work / "source.mp4", SOURCE_S)
        probed = probe(source, limits=ProbeLimits())
        out = work / "out"
        out.mkdir()
        cpu_before, started = _cpu_s(), time.monotonic()
        await transcode(source, out, probed, threads=THREADS, timeout_s=1800)
        cpu, wall = _cpu_s() - cpu_before, time.monotonic() - started
        stored = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        source_bytes = source.stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = probed.duration_s
    rungs = transcode_ladder(probed.width, probed.height)
    ladder_bps = sum(r.video_bitrate + r.audio_bitrate for r in rungs)
    figures = [
        Figure(
            name=f"transcode CPU per second of 720p source ({seconds:.0f} s, {len(rungs)} rungs)",
            ours=cpu,
            baseline=seconds,
            unit="s",
            goal="(an input of docs/SCALING.md)",
            baseline_name="the source's duration",
        ),
        Figure(
            name="bytes stored per video: the outputs, every rendition once (CMAF)",
            ours=stored / MB,
            baseline=source_bytes / MB,
            unit="MB",
            goal="(an input of docs/SCALING.md)",
            baseline_name="the source",
        ),
    ]
    per_minute = 60 / seconds
    notes = [
        f"CPU: {cpu:.1f} s of CPU for {seconds:.1f} s of source = {cpu / seconds:.2f} "
        f"vCPU-seconds per second of 720p: a 1-vCPU transcoder task turns one minute of "
        f"source in ≈ {cpu / seconds:.1f} minutes. Wall time here {wall:.1f} s on "
        f"{os.cpu_count()} cores (moves with the machine's load; the CPU time barely does).",
        f"Stored: {stored / MB:.1f} MB of outputs = {stored / MB * per_minute:.1f} MB per "
        f"minute of source (the ladder's caps, {ladder_bps / 1e6:.2f} Mbit/s together, would "
        f"be {ladder_bps / 8 / MB * 60:.1f} MB); the source itself was "
        f"{source_bytes / MB * per_minute:.1f} MB a minute (the bench's high-quality "
        "synthetic source, not a phone's upload).",
        load_note(load_before),
    ]
    return write_report("cost", figures, notes=notes)


def main() -> str:
    return asyncio.run(_main())
