"""Issue 3's three figures for the media pipeline (`make bench ONLY=transcode`):

(a) the transcoder's complete output set (MP4 ladder, HLS, poster, storyboard: `transcode()`)
    against a bare ffmpeg run of the MP4 ladder and a poster alone, same source, same thread
    cap, same x264 settings (`x264_arguments()`: lookahead, B-frames, one thread per encoder),
    runs interleaved, medians compared;
(b) upload complete → `ready` minus the transcode itself, median of 5 uploads of the 10 s 720p
    clip through the whole stack of real processes (`bench_pipeline.py`);
(c) the transcoder's peak resident memory, its ffmpeg child included, while the stack turns a
    source of more than 512 MiB (a short, very high-bitrate 1080p H.264 clip) into its outputs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.bench_pipeline import ready_overhead, running_stack, transcoder_peak_rss
from bench.report import Figure, load_note, median, write_report
from videoshare.media.ffmpeg_command import x264_arguments
from videoshare.media.ladder import Rung, transcode_ladder
from videoshare.media.probe import ProbeLimits, probe
from videoshare.media.transcode import ffmpeg_executable, transcode

RUNS = 3
THREADS = 2  # the setting's default: what the transcoder runs with
BIG_SOURCE_BYTES = 512 * 1024**2
_QUIET = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]


def make_bench_source(path: Path) -> Path:
    """10 s of 720p25 with moving detail and film-like grain, and a tone: something x264 has to
    work on (the tests' `testsrc` clips are nearly free to encode)."""
    picture = "testsrc2=size=1280x720:rate=25:duration=10,noise=alls=8:allf=t"
    argv = [ffmpeg_executable(), *_QUIET, "-f", "lavfi", "-i", picture]
    argv += ["-f", "lavfi", "-i", "sine=frequency=440:duration=10"]
    argv += ["-c:v", "libx264", "-preset", "fast", "-crf", "18", "-pix_fmt", "yuv420p"]
    subprocess.run([*argv, "-c:a", "aac", "-b:a", "160k", str(path)], check=True)
    return path


def make_big_source(path: Path) -> Path:
    """What a user uploads, only short: 1080p25 H.264 with heavy grain at a very high bitrate
    (~500 Mbit/s, ~60 MiB a second), AAC audio, in MP4: > 512 MiB in 10 s."""
    seconds = 10
    picture = f"testsrc2=size=1920x1080:rate=25:duration={seconds},noise=alls=100:allf=t"
    argv = [ffmpeg_executable(), *_QUIET, "-f", "lavfi", "-i", picture]
    argv += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-qp", "18", "-pix_fmt", "yuv420p"]
    subprocess.run([*argv, "-c:a", "aac", str(path)], check=True)
    assert path.stat().st_size >= BIG_SOURCE_BYTES, path.stat().st_size
    return path


def bare_ladder_command(source: Path, out_dir: Path, rungs: list[Rung]) -> list[str]:
    """The plain way: decode once, scale each rung from the source, one MP4 each, a poster."""
    outputs = "".join(f"[v{i}]" for i in range(len(rungs)))
    chains = [f"[0:v]split={len(rungs) + 1}{outputs}[p]"]
    chains += [f"[v{i}]scale={r.width}:{r.height},setsar=1[o{i}]" for i, r in enumerate(rungs)]
    chains.append("[p]select=gte(t\\,1)[poster]")
    argv = [ffmpeg_executable(), *_QUIET, "-threads", str(THREADS), "-i", str(source)]
    argv += ["-filter_complex", ";".join(chains)]
    for index, rung in enumerate(rungs):
        argv += ["-map", f"[o{index}]", "-map", "0:a", *x264_arguments(), "-pix_fmt", "yuv420p"]
        argv += ["-maxrate", str(rung.video_bitrate), "-bufsize", str(2 * rung.video_bitrate)]
        argv += ["-c:a", "aac", "-b:a", str(rung.audio_bitrate), "-ac", "2"]
        argv += ["-movflags", "+faststart", str(out_dir / f"{rung.name}.mp4")]
    argv += ["-map", "[poster]", "-frames:v", "1", "-update", "1", str(out_dir / "poster.jpg")]
    return argv


async def output_set_against_bare_ladder(work: Path) -> Figure:
    source = make_bench_source(work / "source.mp4")
    probed = probe(source, limits=ProbeLimits())
    rungs = transcode_ladder(probed.width, probed.height)
    ours: list[float] = []
    bare: list[float] = []
    for run in range(RUNS):  # interleaved, so a busy moment of the machine hits both
        out = work / f"ours-{run}"
        out.mkdir()
        started = time.monotonic()
        await transcode(source, out, probed, threads=THREADS, timeout_s=600)
        ours.append(time.monotonic() - started)

        out = work / f"bare-{run}"
        out.mkdir()
        started = time.monotonic()
        await asyncio.to_thread(subprocess.run, bare_ladder_command(source, out, rungs), check=True)
        bare.append(time.monotonic() - started)
    return Figure(
        name="complete output set (MP4 ladder + HLS + poster + storyboard), 10 s 720p",
        ours=median(ours),
        baseline=median(bare),
        unit="s",
        goal="≤ 1.05x",
        baseline_name="bare ffmpeg MP4 ladder + poster",
        samples={"ours_s": ours, "bare_s": bare},
    )


async def _main() -> str:
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-transcode-"))
    try:
        big = make_big_source(work / "big.mp4")
        async with running_stack() as stack, aiohttp.ClientSession() as http:
            overhead = await ready_overhead(stack, http)
            memory = await transcoder_peak_rss(stack, http, big)
        big.unlink()
        output_set = await output_set_against_bare_ladder(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures = [output_set, overhead, memory]
    return write_report("transcode", figures, notes=_notes(figures, load_before))


def _notes(figures: list[Figure], load_before: tuple[float, float, float]) -> list[str]:
    output_set, overhead, memory = figures
    runs = ", ".join(f"{v:.2f}" for v in output_set.samples["ours_s"])
    bare = ", ".join(f"{v:.2f}" for v in output_set.samples["bare_s"])
    overheads = ", ".join(f"{v:.3f}" for v in overhead.samples["overhead_s"])
    uploads = median(overhead.samples["outputs_upload_s"])
    return [
        f"(a) runs, ours: {runs} s; bare: {bare} s (2 cores shared with other work: medians).",
        f"(b) overhead runs: {overheads} s; of which uploading the outputs: median "
        f"{uploads:.3f} s.",
        f"(c) the big source took {memory.samples['transcode_s'][0]:.1f} s to transcode; RSS "
        "sampled every 20 ms over the transcoder process and its children. Peaks: ffmpeg "
        f"{memory.samples['ffmpeg_peak_mib'][0]:.0f} MiB; the Python process "
        f"{memory.samples['python_beside_ffmpeg_mib'][0]:.0f} MiB beside it, "
        f"{memory.samples['python_peak_mib'][0]:.0f} MiB at any time (idle before: "
        f"{memory.samples['python_idle_mib'][0]:.0f} MiB).",
        load_note(load_before),
    ]


def main() -> str:
    return asyncio.run(_main())
