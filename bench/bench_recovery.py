"""Prompt recovery and prompt shutdown (issue 14, items 4, 5 and 7), each against its bound:

- **recovery**: a transcoder killed with `kill -9` mid-transcode on a 40 s clip, a new one
  started at once; kill → `ready` (the record's `updated_at`), against the job's own length
  (upload complete → `ready`, uninterrupted, same clip, same stack) plus 30 s, the issue's
  bound (the visibility timeout, the most a redelivery waits, is 20 s);
- **shutdown, `make run`**: SIGINT to the runner mid-transcode → the runner and every process
  it started have exited, against the 10 s goal;
- **shutdown, AWS unreachable**: a worker with production settings (20 s long polls, 15 s
  drain) whose emulator is frozen (SIGSTOP: every call hangs) → SIGTERM → exited, against the
  ECS StopTimeout the template gives it.

`python -m bench recovery` (`make bench ONLY=recovery`) prints the table and writes
`results/recovery.{md,json}`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import aiohttp
import psutil
from tests.conftest import ARTIFACTS
from tests.e2e.client import User
from tests.e2e.test_local_runner import runner_env, start_runner
from tests.media import make_clip
from tests.resilience.conftest import kill_hard
from tests.stack import Stack, running_stack
from tests.support import child_env, running_ffmpeg, unique_stack

from bench.report import Figure, write_report
from videoshare.aws import open_clients
from videoshare.infra.cloudformation import stop_timeout_s
from videoshare.infra.provision import provision
from videoshare.infra.topology import HOUSEKEEPING, topology
from videoshare.local.emulator import start_emulator
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

CLIP_S = 40
WIDTH, HEIGHT = 640, 360
READY_TIMEOUT_S = 300
START_TIMEOUT_S = 180  # a loaded machine starts seven Python processes slowly
SHUTDOWN_GOAL_S = 10.0
VISIBILITY_S = Settings.model_fields["transcode_visibility_timeout_s"].default
RECOVERY_SLACK_S = 30  # the bound: the job again within 30 s plus its own length


async def until(
    condition: Callable[[], bool], what: str, timeout_s: float = READY_TIMEOUT_S
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"no {what} in {timeout_s} s"
        await asyncio.sleep(0.02)


async def ready_at(user: User, video_id: str) -> float:
    video = await user.wait_for_status(video_id, {"ready", "rejected", "failed"}, READY_TIMEOUT_S)
    assert video["status"] == "ready", video
    return datetime.fromisoformat(video["updated_at"]).timestamp()


async def recovery(clip: Path) -> Figure:
    emulator = start_emulator(port=free_port(), log_path=ARTIFACTS / "bench-emulator.log")
    try:
        async with (
            running_stack(emulator.endpoint, "bench", ready_timeout_s=START_TIMEOUT_S) as stack,
            aiohttp.ClientSession() as http,
        ):
            user = await User(http, stack.base_url).sign_up()
            created = await user.upload(clip, title="the job's own length")
            uploaded = time.time()
            job_s = await ready_at(user, created["id"]) - uploaded

            created = await user.upload(clip, title="killed mid-transcode")
            victim = stack.processes.pop("transcoder")  # not stopped with the others: killed
            await until(lambda: running_ffmpeg(victim.pid), "ffmpeg in the transcoder")
            kill_hard(victim)
            killed = time.time()
            stack.start("transcoder-2", ["worker", "transcoder"], _worker_env(stack))
            recovery_s = await ready_at(user, created["id"]) - killed
    finally:
        emulator.stop()
    return Figure(
        name=f"kill -9 mid-transcode → ready ({CLIP_S} s {HEIGHT}p clip)",
        ours=recovery_s,
        baseline=job_s + RECOVERY_SLACK_S,
        unit="s",
        goal="≤ 1.0x (the job's own length + 30 s)",
        baseline_name=f"the job uninterrupted ({job_s:.1f} s) + {RECOVERY_SLACK_S} s",
        samples={"recovery_s": [recovery_s], "job_s": [job_s]},
    )


def _worker_env(stack: Stack) -> dict[str, str]:
    return child_env(stack.settings, VIDEOSHARE_WAIT_TIME_S="2", VIDEOSHARE_HEALTH_PORT="0")


async def make_run_shutdown(clip: Path, workdir: Path) -> Figure:
    api_port = free_port()
    env = {
        **runner_env(free_port(), api_port, workdir / "state"),
        "VIDEOSHARE_STACK": unique_stack("bench"),
    }
    output = workdir / "run.log"
    runner = await start_runner(env, workdir, output)
    try:
        await until(
            lambda: "Ctrl-C stops everything" in output.read_text(errors="replace"),
            "make run's banner",
            START_TIMEOUT_S,
        )
        async with aiohttp.ClientSession() as http:
            user = await User(http, f"http://127.0.0.1:{api_port}").sign_up()
            await user.upload(clip, title="interrupted by Ctrl-C")
        await until(lambda: running_ffmpeg(runner.pid), "ffmpeg under the runner")
        everything = [psutil.Process(runner.pid), *psutil.Process(runner.pid).children(True)]
        signalled = time.monotonic()
        runner.send_signal(signal.SIGINT)
        await runner.wait()
        await asyncio.to_thread(psutil.wait_procs, everything, 60)
        shutdown_s = time.monotonic() - signalled
    finally:
        if runner.returncode is None:
            runner.kill()
            await runner.wait()
    return Figure(
        name="make run: Ctrl-C mid-transcode → every process exited",
        ours=shutdown_s,
        baseline=SHUTDOWN_GOAL_S,
        unit="s",
        goal="≤ 1.0x",
        baseline_name="the 10 s goal",
        samples={"shutdown_s": [shutdown_s]},
    )


async def unreachable_shutdown() -> Figure:
    """A worker as deployed (Settings' defaults) whose AWS stops answering, then SIGTERM."""
    emulator = start_emulator(port=free_port(), log_path=ARTIFACTS / "bench-frozen.log")
    try:
        settings = Settings(
            stack=unique_stack("bench"),
            aws_endpoint_url=emulator.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - the emulator's
        )
        async with open_clients(settings) as aws:
            await provision(aws, settings)
        alone = Stack(settings, base_url="")
        alone.start(HOUSEKEEPING, ["worker", HOUSEKEEPING], child_env(settings))
        worker = alone.processes[HOUSEKEEPING]
        await until(
            lambda: any(
                line.get("event") == "consumer started" for line in alone.log_lines(HOUSEKEEPING)
            ),
            "the worker consuming",
        )
        await asyncio.sleep(1)  # into its long poll (20 s), as an idle worker always is
        os.kill(emulator.process.pid, signal.SIGSTOP)
        signalled = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, 120)
        stopped_s = time.monotonic() - signalled
        os.kill(emulator.process.pid, signal.SIGCONT)
    finally:
        emulator.stop()
    bound_s = topology(settings).consumer(HOUSEKEEPING).stop_bound_s(settings)
    stop_timeout = stop_timeout_s(topology(settings), settings)
    return Figure(
        name="a worker whose AWS is frozen: SIGTERM → exited (20 s polls, 15 s drain)",
        ours=stopped_s,
        baseline=stop_timeout,
        unit="s",
        goal=f"≤ 1.0x, by itself (its own bound: {bound_s:g} s)",
        baseline_name="ECS StopTimeout in the template",
        samples={"stopped_s": [stopped_s], "exit_code": [float(code)]},
    )


async def _main() -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        clip = await asyncio.to_thread(
            make_clip, workdir / "clip.mp4", seconds=CLIP_S, width=WIDTH, height=HEIGHT
        )
        figures = [
            await recovery(clip),
            await make_run_shutdown(clip, workdir),
            await unreachable_shutdown(),
        ]
    code = int(figures[2].samples["exit_code"][0])
    notes = [
        f"Recovery: the killed job's message comes back when its visibility timeout "
        f"({VISIBILITY_S} s, extended every third of it while the job ran) ends; the claim "
        "lapses one heartbeat before that, so the new transcoder runs it at once. Before "
        "(the issue's measurement): 137-140 s after the kill, a 120 s visibility timeout.",
        "make run: the workers get VIDEOSHARE_SHUTDOWN_DRAIN_S=0, so the transcode in flight "
        "is cancelled and its message handed back at once; the time includes the emulator's "
        "stop. Before (the issue's measurement): 16-30 s, the transcode finished first.",
        "AWS unreachable: the long poll in flight gets its 20 s wait and 2 s more, every call "
        "while stopping 2 s, so the poll is what this figure measures (an idle worker). "
        f"The worker exited with code {code} (1 would be its watchdog). Before: a frozen "
        "endpoint kept a worker past 60 s (measured on main with the same script).",
    ]
    return write_report("recovery", figures, notes)


def main() -> str:
    return asyncio.run(_main())
