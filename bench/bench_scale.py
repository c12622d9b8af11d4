"""Scale out on one machine (issue 16, item 4): a backlog of short uploads drained by one
transcoder process and by two, as `make run SCALE=transcoder=2` (or an ECS service at two
tasks) runs them.

For each count, a fresh stack on one emulator runs every process but the transcoder; ten
users upload one short clip each (ten owners: no one waits for their own processing turn),
and once the ten jobs wait on the transcoder's queue, N transcoders start. The figure is
transcoders started → the last video `ready` (its record's `updated_at`), two against one.

`python -m bench scale` (`make bench ONLY=scale`) prints the table and writes
`results/scale.{md,json}`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

import aiohttp
from tests.conftest import ARTIFACTS
from tests.e2e.client import User
from tests.media import make_clip
from tests.stack import Stack, running_stack
from tests.support import child_env

from bench.report import Figure, write_report
from videoshare.aws import open_clients
from videoshare.entrypoints.workers import WORKERS
from videoshare.infra.resources import resolve
from videoshare.infra.topology import TRANSCODER
from videoshare.local.emulator import start_emulator
from videoshare.tcp_ports import free_port

BACKLOG = 10
CLIP_S = 20  # long enough that ffmpeg, not the fixed costs (process start, polls), dominates
WIDTH, HEIGHT = 640, 360
BACKLOG_TIMEOUT_S = 180
DRAIN_TIMEOUT_S = 900
START_TIMEOUT_S = 180  # a loaded machine starts Python processes slowly


async def _transcoder_backlog(stack: Stack) -> int:
    async with open_clients(stack.settings) as aws:
        url = (await resolve(aws, stack.settings)).queue_urls[TRANSCODER]
        attrs = await aws.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


async def drain(endpoint: str, clip: Path, transcoders: int) -> float:
    """Seconds from `transcoders` processes started on a backlog of `BACKLOG` jobs to the last
    of them `ready`."""
    others = [w for w in WORKERS if w != TRANSCODER]
    async with (
        running_stack(
            endpoint, f"bench-scale{transcoders}", workers=others, ready_timeout_s=START_TIMEOUT_S
        ) as stack,
        aiohttp.ClientSession() as http,
    ):
        users = [await User(http, stack.base_url).sign_up() for _ in range(BACKLOG)]
        videos = [await u.upload(clip, title=f"backlog {i}") for i, u in enumerate(users)]
        deadline = time.monotonic() + BACKLOG_TIMEOUT_S
        while await _transcoder_backlog(stack) < BACKLOG:
            assert time.monotonic() < deadline, "the backlog never reached the transcoder"
            await asyncio.sleep(0.2)
        env = child_env(
            stack.settings,
            VIDEOSHARE_WAIT_TIME_S="2",
            VIDEOSHARE_HEALTH_PORT="0",  # any free port: the copies must not share one
            VIDEOSHARE_PROCESSING_WAIT_S="1",
            VIDEOSHARE_SHUTDOWN_DRAIN_S="0",
        )
        started = time.time()
        for i in range(1, transcoders + 1):
            stack.start(f"{TRANSCODER}-{i}", ["worker", TRANSCODER], env)
        finished = []
        for user, video in zip(users, videos, strict=True):
            done = await user.wait_for_status(
                video["id"], {"ready", "rejected", "failed"}, DRAIN_TIMEOUT_S
            )
            assert done["status"] == "ready", done
            finished.append(datetime.fromisoformat(done["updated_at"]).timestamp())
    return max(finished) - started


async def _main() -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    emulator = start_emulator(port=free_port(), log_path=ARTIFACTS / "bench-scale-emulator.log")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            clip = await asyncio.to_thread(
                make_clip, Path(tmp) / "clip.mp4", seconds=CLIP_S, width=WIDTH, height=HEIGHT
            )
            one = await drain(emulator.endpoint, clip, 1)
            two = await drain(emulator.endpoint, clip, 2)
    finally:
        emulator.stop()
    load = os.getloadavg()
    figures = [
        Figure(
            name=f"a backlog of {BACKLOG} uploads ({CLIP_S} s {HEIGHT}p) drained by 2 transcoders",
            ours=two,
            baseline=one,
            unit="s",
            goal="≈ 0.5x (twice as fast), less what the emulator and the cores cost",
            baseline_name="the same backlog, 1 transcoder",
            samples={"one_s": [one], "two_s": [two], "loadavg_1_5_15": list(load)},
        )
    ]
    notes = [
        f"Speed-up: {one / two:.2f}x with two transcoder processes ({one:.1f} s → {two:.1f} s). "
        f"Measured on {os.cpu_count()} cores shared with other work (load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}): ffmpeg in each transcoder wants "
        "the cores the other one, the emulator, the other workers and everyone else's "
        "processes use, so the 2x an ECS service gets from a second task (a machine of its "
        "own) shows here only as far as a core is idle.",
        "One transcode already keeps both cores busy: ffmpeg gives each rung of the ladder "
        "its own encoder thread (media/ffmpeg_command.py), so on 2 cores a second transcoder "
        "can only fill the gaps (a job's download, upload and polls), and the ratio says what "
        "the gaps are worth here. The 2x is a property of more machines (ECS tasks), not of "
        "more processes on one: this figure is for a bigger machine to repeat.",
        "Each run is a fresh stack on the same emulator; the time includes each transcoder "
        "process's start (a second or two of Python imports), the same for one and for two.",
    ]
    return write_report("scale", figures, notes)


def main() -> str:
    return asyncio.run(_main())
