"""Issue 14's item 6 (`make bench ONLY=memory`): the transcoder's memory does not grow with the
source's length. The stack of real processes (`bench_pipeline.running_stack`) turns a 1-minute
and a 10-minute source of the same resolution into their outputs, one after the other, while
the transcoder process and its ffmpeg child are sampled every 20 ms
(`bench_pipeline.transcoder_peak_rss`): ffmpeg and the Python side are reported apart.

Goals: the 10-minute source's peak within 10 % of the 1-minute one's; the Python side at most
120 MiB while ffmpeg runs. The sources are 320x240 (a 240p ladder of one rung): what a source's
length could make grow (muxer indexes, playlists, the uploader's bookkeeping) does not depend
on the resolution, and a small picture keeps a 10-minute transcode short on 2 shared cores.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import aiohttp

from bench.bench_pipeline import running_stack, transcoder_peak_rss
from bench.report import Figure, load_note, write_report
from videoshare.media.transcode import ffmpeg_executable

SHORT_S = 60
LONG_S = 600
PYTHON_GOAL_MIB = 120
LONG_TIMEOUT_S = 2400  # a loaded machine


def make_source(path: Path, seconds: int) -> Path:
    """320x240 at 25 fps with moving detail and a little grain, and a tone."""
    picture = f"testsrc2=size=320x240:rate=25:duration={seconds},noise=alls=4:allf=t"
    argv = [ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    argv += ["-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", f"sine=duration={seconds}"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    subprocess.run([*argv, str(path)], check=True)
    return path


async def _main() -> str:
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        short = make_source(work / "short.mp4", SHORT_S)
        long = make_source(work / "long.mp4", LONG_S)
        async with running_stack() as stack, aiohttp.ClientSession() as http:
            one = await transcoder_peak_rss(stack, http, short)
            ten = await transcoder_peak_rss(stack, http, long, timeout_s=LONG_TIMEOUT_S)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    flat = Figure(
        name=f"transcoder peak RSS, ffmpeg included, {LONG_S // 60}-min 240p source",
        ours=ten.ours,
        baseline=one.ours,
        unit="MiB",
        goal="≤ 1.10x",
        baseline_name=f"the same on a {SHORT_S // 60}-min source",
        samples={f"long_{k}": v for k, v in ten.samples.items()}
        | {f"short_{k}": v for k, v in one.samples.items()},
    )
    python = Figure(
        name=f"the Python side beside ffmpeg, {LONG_S // 60}-min source",
        ours=ten.samples["python_beside_ffmpeg_mib"][0],
        baseline=PYTHON_GOAL_MIB,
        unit="MiB",
        goal=f"≤ {PYTHON_GOAL_MIB} MiB (1.00x)",
        baseline_name="the goal",
    )
    return write_report("memory", [flat, python], notes=_notes(one, ten, load_before))


def _notes(one: Figure, ten: Figure, load_before: tuple[float, float, float]) -> list[str]:
    def line(label: str, figure: Figure) -> str:
        s = figure.samples
        return (
            f"{label}: transcode {s['transcode_s'][0]:.1f} s; peaks: ffmpeg "
            f"{s['ffmpeg_peak_mib'][0]:.0f} MiB, Python {s['python_beside_ffmpeg_mib'][0]:.0f} "
            f"MiB beside it and {s['python_peak_mib'][0]:.0f} MiB at any time (idle before: "
            f"{s['python_idle_mib'][0]:.0f} MiB); together {figure.ours:.0f} MiB. Objects "
            f"put after ffmpeg ended: {s['puts_after_ffmpeg'][0]:.0f} of {s['outputs'][0]:.0f}."
        )

    return [
        line(f"{SHORT_S // 60}-min source", one),
        line(f"{LONG_S // 60}-min source", ten),
        "RSS sampled every 20 ms: the transcoder process alone (the Python side), and its "
        "children once they run their own program (ffmpeg; a child between fork and exec "
        "shares the parent's pages and is not counted twice).",
        load_note(load_before),
    ]


def main() -> str:
    return asyncio.run(_main())
