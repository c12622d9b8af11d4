"""`make load`: the load test (locustfile.py), headless, against `make run`, and its report.

Starts `videoshare run` on free ports with a stack of its own (or uses the one already at
`VIDEOSHARE_API_URL`, whose AWS is the environment's: `AWS_ENDPOINT_URL`, `VIDEOSHARE_STACK`),
runs `LOAD_USERS` people (`LOAD_SPAWN_RATE` a second) for `LOAD_DURATION` (10m), samples the
CPU of every process it started, then waits for every upload to end and checks that each
ended `ready` or `rejected` with a reason (none lost, none stuck) and that every dead-letter
queue is empty. Writes `bench/results/load.md` (`LOAD_REPORT` elsewhere); exits 1 when a
check failed.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from tests.resilience.conftest import dead_letter_depths

from videoshare.local.emulator import LOCAL_CREDENTIALS
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
REPORT = Path(os.environ.get("LOAD_REPORT", ROOT / "bench" / "results" / "load.md"))
START_TIMEOUT_S = 180
DRAIN_TIMEOUT_S = 600
SAMPLE_EVERY_S = 5.0
TERMINAL = {"ready", "rejected", "failed"}


@dataclass
class Outcome:
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rejected_without_reason: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    drained_s: float = 0.0


def main() -> int:
    duration = os.environ.get("LOAD_DURATION", "10m")
    users = int(os.environ.get("LOAD_USERS", "20"))
    rate = os.environ.get("LOAD_SPAWN_RATE", "1")
    external = os.environ.get("VIDEOSHARE_API_URL")
    work = Path(tempfile.mkdtemp(prefix="videoshare-load-"))
    ledger = work / "uploads.jsonl"
    runner: subprocess.Popen[bytes] | None = None
    if external:
        base, settings = external.rstrip("/"), Settings()
    else:
        runner, base, settings = _start_stack(work)
    try:
        cpu = _CpuSampler(runner.pid if runner else None)
        cpu.start()
        load_before = os.getloadavg()
        started = datetime.now(UTC)
        locust = subprocess.Popen(
            [
                *[sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"],
                *["-u", str(users), "-r", rate, "-t", duration, "--host", base],
                *["--csv", str(work / "stats"), "--only-summary", "--stop-timeout", "10"],
            ],
            cwd=ROOT,
            env={**os.environ, "VIDEOSHARE_LOAD_LEDGER": str(ledger), "PYTHONPATH": str(ROOT)},
        )
        cpu.locust = locust.pid
        locust.wait()
        load_after = os.getloadavg()
        cpu.stop()
        entries = (
            [json.loads(line) for line in ledger.read_text().splitlines()]
            if ledger.exists()
            else []
        )
        outcome = asyncio.run(_outcome(base, entries))
        dlqs = dict(sorted(asyncio.run(dead_letter_depths(settings)).items()))
    finally:
        if runner is not None:
            _stop(runner)
    ok = not outcome.unfinished and not outcome.rejected_without_reason and not any(dlqs.values())
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        _report(
            started=started,
            duration=duration,
            users=users,
            rate=rate,
            base="its own `make run`" if runner else base,
            stats=_rows(work / "stats_stats.csv"),
            failures=_rows(work / "stats_failures.csv"),
            outcome=outcome,
            dlqs=dlqs,
            cpu=cpu.summary(),
            load=(load_before, load_after),
            locust_code=locust.returncode,
        )
    )
    print(REPORT.read_text())
    return 0 if ok else 1


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
    _stop(runner)
    raise SystemExit(f"make load: the stack was not ready in {START_TIMEOUT_S} s")


def _stop(runner: subprocess.Popen[bytes]) -> None:
    if runner.poll() is None:
        runner.send_signal(signal.SIGINT)
        try:
            runner.wait(timeout=60)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait()


async def _outcome(base: str, entries: list[dict[str, str]]) -> Outcome:
    """Every upload's end, each polled with its owner's token until it ends (or the drain's
    deadline passes: then it is `unfinished`)."""
    outcome = Outcome()
    began = time.monotonic()
    deadline = began + DRAIN_TIMEOUT_S
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        for entry in entries:
            headers = {"Authorization": f"Bearer {entry['token']}"}
            while True:
                async with http.get(f"{base}/v1/videos/{entry['id']}", headers=headers) as r:
                    video: dict[str, Any] = await r.json(content_type=None) if r.ok else {}
                status = video.get("status", f"HTTP {r.status}")
                if status in TERMINAL or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
            if status not in TERMINAL:
                outcome.unfinished.append(f"{entry['id']} ({status})")
                continue
            outcome.statuses[status] += 1
            if status != "ready" and not video.get("status_reason"):
                outcome.rejected_without_reason.append(entry["id"])
    outcome.drained_s = time.monotonic() - began
    return outcome


class _CpuSampler:
    """CPU per role every `SAMPLE_EVERY_S`, in % of one core: each process the runner started
    (its reaped children included, so a transcoder's ffmpeg counts as the transcoder's), and
    locust itself, which shares the machine. Which saturates first."""

    def __init__(self, runner: int | None) -> None:
        self.runner = runner
        self.locust: int | None = None
        self.samples: dict[str, list[float]] = defaultdict(list)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _processes(self) -> list[psutil.Process]:
        found = []
        try:
            if self.runner is not None:
                found += psutil.Process(self.runner).children()
            if self.locust is not None:
                found.append(psutil.Process(self.locust))
        except psutil.NoSuchProcess:
            pass
        return found

    def _run(self) -> None:
        last: dict[int, float] = {}
        then = time.monotonic()
        while not self._stop.wait(SAMPLE_EVERY_S):
            now = time.monotonic()
            totals: dict[str, float] = defaultdict(float)
            for process in self._processes():
                try:
                    t = process.cpu_times()
                    used = t.user + t.system + t.children_user + t.children_system
                    role = "locust (the load)" if process.pid == self.locust else _role(process)
                except psutil.Error:
                    continue
                if process.pid in last:
                    totals[role] += 100 * (used - last[process.pid]) / (now - then)
                last[process.pid] = used
            then = now
            for role, percent in totals.items():
                self.samples[role].append(percent)

    def summary(self) -> list[tuple[str, float, float]]:
        """(role, mean %, peak %) of one core, busiest first."""
        rows = [(role, sum(v) / len(v), max(v)) for role, v in self.samples.items() if v]
        return sorted(rows, key=lambda row: -row[1])


def _role(process: psutil.Process) -> str:
    argv = process.cmdline()
    if "worker" in argv:
        return argv[argv.index("worker") + 1]
    if "api" in argv:
        return "ingress"
    if any("moto" in a or "emulator" in a for a in argv):
        return "emulator"
    return Path(argv[0]).name if argv else "?"


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _report(
    *,
    started: datetime,
    duration: str,
    users: int,
    rate: str,
    base: str,
    stats: list[dict[str, str]],
    failures: list[dict[str, str]],
    outcome: Outcome,
    dlqs: dict[str, int],
    cpu: list[tuple[str, float, float]],
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
    locust_code: int,
) -> str:
    short = (
        ""
        if duration == "10m"
        else (
            f"**A short run ({duration}, {users} people), not the issue's 10 minutes**: it proves "
            "`make load` works end to end; its figures are this machine's at this moment, not "
            "the service's capacity."
        )
    )
    lines = [
        "# load",
        "",
        *([short, ""] if short else []),
        f"Run {started:%Y-%m-%d %H:%M} UTC: {users} people ({rate}/s arriving) for {duration} "
        f"against {base}, on {os.cpu_count()} cores shared with other work (load average "
        f"{load[0][0]:.1f} before, {load[1][0]:.1f} after). `make load` (bench/load/).",
        "",
        "## Routes",
        "",
        "| route | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in stats:
        name = f"pipeline: {row['Name']}" if row["Type"] == "PIPELINE" else row["Name"]
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} "
            f"| {float(row['Requests/s']):.2f} | {row['50%']} | {row['95%']} | {row['99%']} "
            f"| {float(row['Max Response Time']):.0f} |"
        )
    lines += [
        "",
        "`PIPELINE upload → ready` is time to `ready` under load: from the end of the "
        "presigned PUT to the owner's poll that saw `ready` (to within one poll, 1-3 s "
        "apart plus the other tasks').",
        "",
        "## Errors",
        "",
    ]
    if failures:
        lines += ["| method | route | error | times |", "|---|---|---|---|"]
        lines += [
            f"| {f['Method']} | {f['Name']} | {f['Error'][:160]} | {f['Occurrences']} |"
            for f in failures
        ]
    else:
        lines.append("None.")
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(outcome.statuses.items())) or "none"
    lines += [
        "",
        "## Afterwards",
        "",
        f"- Uploads: {sum(outcome.statuses.values()) + len(outcome.unfinished)}; "
        f"ended: {statuses}; unfinished after {DRAIN_TIMEOUT_S} s: "
        f"{len(outcome.unfinished)} {outcome.unfinished[:5] or ''}".rstrip(),
        f"- Rejected or failed without a reason: {len(outcome.rejected_without_reason)}",
        f"- Drained (every upload ended) {outcome.drained_s:.1f} s after the load stopped",
        "- Dead-letter queues: "
        + ", ".join(f"{w} {n}" for w, n in dlqs.items())
        + (" — all empty" if not any(dlqs.values()) else " — NOT EMPTY"),
        f"- locust's exit code: {locust_code} (1 when any request failed)",
    ]
    lines += [
        "",
        "## The knee",
        "",
        "Not measured here: one run is one load level. The knee (where p95 or time to `ready` "
        "degrades) is found by running `make load` at rising `LOAD_USERS` on a machine of its "
        "own and comparing those two rows; on a shared machine other people's work moves it.",
    ]
    if cpu:
        lines += [
            "",
            f"## What the machine spent (CPU, % of one core, sampled every {SAMPLE_EVERY_S:.0f} s)",
            "",
            "| process | mean | peak |",
            "|---|---|---|",
            *(f"| {role} | {mean:.0f} | {peak:.0f} |" for role, mean, peak in cpu),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
