"""`make load`: the stepped load test (locustfile.py), headless, against `make run`, and its report.

Starts `videoshare run` on free ports with a stack of its own (or uses the one already at
`VIDEOSHARE_API_URL`, whose AWS is the environment's: `AWS_ENDPOINT_URL`, `VIDEOSHARE_STACK`),
then raises the number of people in steps (`LOAD_STEPS`, default 2,4,8,12,16,24) over
`LOAD_MINUTES` (10) while `sampler.py` records the CPU and memory of every process the runner
started. Afterwards it waits for every upload to end and checks that each ended `ready` or
`rejected` with a reason (none lost, none stuck) and that every dead-letter queue is empty.
The figures per step, the knee and what saturates first (`steps.py`) go to
`bench/results/load.md` (`report.py`; `LOAD_REPORT` elsewhere); exits 1 when a check failed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from tests.resilience.conftest import dead_letter_depths
from tests.support import stop_runner

from bench.load import report, steps, timeline
from bench.load.sampler import Sampler
from videoshare.local.emulator import LOCAL_CREDENTIALS
from videoshare.local.scale import SCALE_ENV
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
REPORT = Path(os.environ.get("LOAD_REPORT", ROOT / "bench" / "results" / "load.md"))
START_TIMEOUT_S = 180
DRAIN_TIMEOUT_S = 900
POLL_EVERY_S = 1.0
# the drain must not become a load of its own (a long backlog's times come from the records,
# not from when a poll saw them)
POLLS_AT_ONCE = 16
POLLS_PER_S = 10
TERMINAL = {"ready", "rejected", "failed"}


@dataclass
class Ended:
    """Every upload's end, as the drain found it."""

    uploads: list[steps.Upload] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    without_reason: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    drained_s: float = 0.0


def main() -> int:
    try:
        plan = steps.Plan.from_env(os.environ)
    except ValueError as error:
        raise SystemExit(f"make load: {error}") from None
    external = os.environ.get("VIDEOSHARE_API_URL")
    work = Path(tempfile.mkdtemp(prefix="videoshare-load-"))
    timeline_path = work / "timeline.jsonl"
    runner: subprocess.Popen[bytes] | None = None
    if external:
        base, settings = external.rstrip("/"), Settings()
    else:
        runner, base, settings = _start_stack(work)
    try:
        sampler = Sampler(runner.pid if runner else None)
        sampler.start()
        load_before = os.getloadavg()[0]
        started = datetime.now(UTC)
        print(
            f"make load: {plan.minutes:g} min, steps of {list(plan.users)} people",
            flush=True,
        )
        locust = subprocess.Popen(
            [
                *[sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"],
                *["--host", base, "--only-summary", "--stop-timeout", "10"],
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "VIDEOSHARE_LOAD_TIMELINE": str(timeline_path),
                "PYTHONPATH": str(ROOT),
            },
        )
        sampler.locust = locust.pid
        locust.wait()
        stopped = time.time()
        load_after = os.getloadavg()[0]
        sampler.stop()
        recorded = timeline.read(
            timeline_path.read_text().splitlines() if timeline_path.exists() else []
        )
        ended = asyncio.run(_drain(base, recorded.uploads))
        dlqs = dict(sorted(asyncio.run(dead_letter_depths(settings)).items()))
    finally:
        if runner is not None:
            stop_runner(runner)
    ran = steps.steps_from_marks(recorded.marks, stopped)
    results = steps.results(ran, recorded.requests, ended.uploads, sampler.usage)
    afterwards = report.Afterwards(
        statuses=dict(ended.statuses),
        without_reason=ended.without_reason,
        unfinished=ended.unfinished,
        drain_limit_s=DRAIN_TIMEOUT_S,
        drained_s=ended.drained_s,
        dead_letters=dlqs,
        locust_code=locust.returncode,
    )
    text = report.render(
        report.Run(
            started=started,
            plan=plan,
            against="its own `make run`" if runner else base,
            cores=os.cpu_count() or 1,
            load_before=load_before,
            load_after=load_after,
            steps=results,
            knee=steps.find_knee(results, plan.knee_factor),
            afterwards=afterwards,
            scale=f"SCALE={os.environ[SCALE_ENV]}" if os.environ.get(SCALE_ENV) else "",
        )
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text)
    print(text)
    return 0 if afterwards.ok else 1


def _start_stack(work: Path) -> tuple[subprocess.Popen[bytes], str, Settings]:
    emulator_port, api_port = free_port(), free_port()
    stack = f"load-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "VIDEOSHARE_EMULATOR_PORT": str(emulator_port),
        "VIDEOSHARE_API_PORT": str(api_port),
        "VIDEOSHARE_STACK": stack,
    }
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("VIDEOSHARE_EMULATOR_URL", None)
    log = work / "run.log"
    print(f"make load: starting `videoshare run` (its lines in {log})", flush=True)
    with log.open("wb") as out:
        runner = subprocess.Popen(
            [sys.executable, "-m", "videoshare.entrypoints.cli.main", "run"],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{api_port}"
    asyncio.run(_until_ready(base, runner))
    settings = Settings(
        stack=stack,
        aws_endpoint_url=f"http://127.0.0.1:{emulator_port}",
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    return runner, base, settings


async def _until_ready(base: str, runner: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while time.monotonic() < deadline:
            if runner.poll() is not None:
                raise SystemExit(f"make load: `videoshare run` exited ({runner.returncode})")
            try:
                async with http.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.5)
    stop_runner(runner)
    raise SystemExit(f"make load: the stack was not ready in {START_TIMEOUT_S} s")


async def _drain(base: str, uploads: list[timeline.UploadEntry]) -> Ended:
    """Polls every upload (with its owner's token) until each has ended or the drain's time
    is up. An upload's end is its record's `updated_at`: its last write, the one that set the
    status it ended with (views are added without touching it, `adapters/views.py`)."""
    ended = Ended()
    began = time.monotonic()
    waiting = {upload.id: upload for upload in uploads}
    at_once = asyncio.Semaphore(POLLS_AT_ONCE)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        while waiting and time.monotonic() < began + DRAIN_TIMEOUT_S:
            found = await asyncio.gather(
                *(_video(http, at_once, base, u) for u in waiting.values())
            )
            for upload, video in zip(list(waiting.values()), found, strict=True):
                if video.get("status") in TERMINAL:
                    del waiting[upload.id]
                    _note_end(ended, upload, video)
            if waiting:  # a long backlog is polled less often: its times are the records'
                await asyncio.sleep(max(POLL_EVERY_S, len(waiting) / POLLS_PER_S))
    for upload in waiting.values():
        ended.unfinished.append(upload.id)
        ended.uploads.append(steps.Upload(upload.uploaded_at, "unfinished", None))
    ended.drained_s = time.monotonic() - began
    return ended


async def _video(
    http: aiohttp.ClientSession,
    at_once: asyncio.Semaphore,
    base: str,
    upload: timeline.UploadEntry,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {upload.token}"}
    async with at_once:
        try:
            async with http.get(f"{base}/v1/videos/{upload.id}", headers=headers) as response:
                return dict(await response.json(content_type=None)) if response.ok else {}
        except (aiohttp.ClientError, TimeoutError):
            return {}


def _note_end(ended: Ended, upload: timeline.UploadEntry, video: dict[str, Any]) -> None:
    status = str(video["status"])
    ended.statuses[status] += 1
    if status != "ready" and not video.get("status_reason"):
        ended.without_reason.append(upload.id)
    at = datetime.fromisoformat(video["updated_at"]).timestamp()
    ended.uploads.append(steps.Upload(upload.uploaded_at, status, at))


if __name__ == "__main__":
    raise SystemExit(main())
