"""Issue 14's time-to-watch figures (`make bench ONLY=watch`), the stack as real processes
(`bench_pipeline.running_stack`) and a client that only uses the public API:

(1) playable before finished: on a 40 s 720p clip, the time from the upload's PUT returning to
    the master playlist, a variant and its first segment all fetched through the Video's
    `hls_url` (polling `GET /v1/videos/{id}` every 50 ms for `playable`), against the time to
    `ready` of the same upload (goal ≤ 0.3x);
(2) one copy of each rendition: every byte stored under the video's media folder once ready
    (10 s 720p), against one copy of its ladder: the files of a bare ffmpeg MP4 ladder of the
    same source, one MP4 per rung (goal ≤ 1.15x).

Item 3 (upload → ready against the bare ladder) is `bench_transcode.py`'s.

The 720p sources are synthetic (`bench_transcode.make_bench_source`: moving detail, film-like
grain and a tone, which x264 has to work on): no real footage can be fetched in this workplace.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from tests.e2e.client import User
from tests.stack import Stack
from yarl import URL

from bench.bench_pipeline import READY_TIMEOUT_S, logged, running_stack
from bench.bench_transcode import make_bench_source
from bench.report import Figure, load_note, write_report
from videoshare.aws import open_clients
from videoshare.domain import keys
from videoshare.media.ffmpeg_command import x264_arguments
from videoshare.media.ladder import Rung, transcode_ladder
from videoshare.media.probe import ProbeLimits, probe
from videoshare.media.transcode import ffmpeg_executable

LONG_SECONDS = 40
POLL_S = 0.05


def bare_mp4_ladder_command(source: Path, out_dir: Path, rungs: list[Rung]) -> list[str]:
    """One copy of the ladder, the plain way: decode once, scale each rung from the source, one
    MP4 each, with the transcoder's x264 settings (`x264_arguments()`)."""
    outputs = "".join(f"[v{i}]" for i in range(len(rungs)))
    chains = [f"[0:v]split={len(rungs)}{outputs}"]
    chains += [f"[v{i}]scale={r.width}:{r.height},setsar=1[o{i}]" for i, r in enumerate(rungs)]
    argv = [ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    argv += ["-i", str(source), "-filter_complex", ";".join(chains)]
    for index, rung in enumerate(rungs):
        argv += ["-map", f"[o{index}]", "-map", "0:a", *x264_arguments(), "-pix_fmt", "yuv420p"]
        argv += ["-maxrate", str(rung.video_bitrate), "-bufsize", str(2 * rung.video_bitrate)]
        argv += ["-c:a", "aac", "-b:a", str(rung.audio_bitrate), "-ac", "2"]
        argv += ["-movflags", "+faststart", str(out_dir / f"{rung.name}.mp4")]
    return argv


async def stored_against_one_copy(
    stack: Stack, http: aiohttp.ClientSession, source: Path, work: Path
) -> Figure:
    """(2): the bytes stored for one ready upload of `source`, against its bare MP4 ladder."""
    user = await User(http, stack.base_url).sign_up()
    created = await user.upload(source, title="bench")
    video = await user.wait_for_status(
        created["id"], {"ready", "rejected", "failed"}, timeout_s=READY_TIMEOUT_S
    )
    assert video["status"] == "ready", video
    stored = await _stored_bytes(stack, video["id"])
    probed = probe(source, limits=ProbeLimits())
    out = work / "bare-mp4"
    out.mkdir()
    argv = bare_mp4_ladder_command(source, out, transcode_ladder(probed.width, probed.height))
    await asyncio.to_thread(subprocess.run, argv, check=True)
    ladder = float(sum(path.stat().st_size for path in out.glob("*.mp4")))
    mib = 1024**2
    return Figure(
        name=f"bytes stored per ready video (everything under its media folder), "
        f"{probed.duration_s:.0f} s 720p",
        ours=stored / mib,
        baseline=ladder / mib,
        unit="MiB",
        goal="≤ 1.15x",
        baseline_name="one copy of its ladder: the bare MP4s",
        samples={"stored_bytes": [stored], "ladder_bytes": [ladder]},
    )


async def playable_against_ready(stack: Stack, http: aiohttp.ClientSession, clip: Path) -> Figure:
    """(1): when the master, a variant and its first segment could be fetched, and when the
    video was ready, both from the upload's PUT returning."""
    user = await User(http, stack.base_url).sign_up()
    created = await user.upload(clip, title="bench")
    uploaded_at = time.time()
    deadline = time.monotonic() + READY_TIMEOUT_S
    video: dict[str, Any] = {}
    while not video.get("playable"):
        assert time.monotonic() < deadline, f"never playable: {video}"
        video = await user.call("GET", f"/v1/videos/{created['id']}", expect=200)
        assert video["status"] not in {"rejected", "failed"}, video
        if not video.get("playable"):
            await asyncio.sleep(POLL_S)
    status_when_playable = video["status"]
    master_url = video["hls_url"]
    master = await _get(http, master_url)
    variant = next(line for line in master.decode().splitlines() if line[:1] not in ("", "#"))
    media = (await _get(http, str(URL(master_url).join(URL(variant))))).decode()
    first = next(line for line in media.splitlines() if line[:1] not in ("", "#"))
    await _get(http, first)
    playable_s = time.time() - uploaded_at
    done = await user.wait_for_status(created["id"], {"ready"}, timeout_s=READY_TIMEOUT_S)
    ready_s = datetime.fromisoformat(done["updated_at"]).timestamp() - uploaded_at
    puts = logged(stack, "outputs_put", done["id"])
    return Figure(
        name=f"master + variant + first segment fetched, {LONG_SECONDS} s 720p",
        ours=playable_s,
        baseline=ready_s,
        unit="s",
        goal="≤ 0.3x",
        baseline_name="upload complete → ready, same upload",
        samples={
            "playable_s": [playable_s],
            "ready_s": [ready_s],
            "processing_when_playable": [1.0 if status_when_playable == "processing" else 0.0],
            "puts_after_ffmpeg": [float(puts["after_ffmpeg"])],
            "outputs": [float(puts["total"])],
        },
    )


async def _get(http: aiohttp.ClientSession, url: str) -> bytes:
    async with http.get(url) as answer:
        assert answer.status == 200, (url, answer.status)
        return await answer.read()


async def _stored_bytes(stack: Stack, video_id: str) -> float:
    async with open_clients(stack.settings) as aws:
        paginator = aws.s3.get_paginator("list_objects_v2")
        total = 0
        async for page in paginator.paginate(
            Bucket=stack.settings.bucket, Prefix=keys.media_prefix(video_id)
        ):
            total += sum(item["Size"] for item in page.get("Contents", []))
    return float(total)


def make_long_source(path: Path, seconds: int) -> Path:
    """`make_bench_source`'s picture and tone, `seconds` long."""
    short = make_bench_source(path.with_name("ten.mp4"))
    loops = max(0, seconds // 10 - 1)
    argv = ["-stream_loop", str(loops), "-i", str(short), "-c", "copy", str(path)]
    subprocess.run([ffmpeg_executable(), "-nostdin", "-loglevel", "error", "-y", *argv], check=True)
    return path


async def _main() -> str:
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    try:
        film = make_bench_source(work / "film.mp4")
        long = make_long_source(work / "long.mp4", LONG_SECONDS)
        async with running_stack() as stack, aiohttp.ClientSession() as http:
            storage = await stored_against_one_copy(stack, http, film, work)
            playable = await playable_against_ready(stack, http, long)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures = [playable, storage]
    return write_report("watch", figures, notes=_notes(figures, load_before))


def _notes(figures: list[Figure], load_before: tuple[float, float, float]) -> list[str]:
    playable, storage = figures
    return [
        f"(1) playable at {playable.ours:.2f} s, ready at {playable.baseline:.2f} s; the video "
        + (
            "was still processing when it turned playable."
            if playable.samples["processing_when_playable"][0]
            else "was already ready when first seen playable."
        ),
        f"(2) stored {storage.ours:.2f} MiB against the bare ladder's {storage.baseline:.2f} "
        "MiB (the MP4s alone: our figure includes the poster and the storyboard).",
        f"(1) objects put after ffmpeg ended: {playable.samples['puts_after_ffmpeg'][0]:.0f} "
        f"of this {LONG_SECONDS} s video's {playable.samples['outputs'][0]:.0f} (the 10 s "
        "film's: `make bench ONLY=transcode`).",
        load_note(load_before),
    ]


def main() -> str:
    return asyncio.run(_main())
