"""The whole stack as real processes — the ingress and every worker on a freshly provisioned
stack of an emulator, the ingress on a free port — for every tier that needs it (e2e, browser,
client, the live OpenAPI checks, benchmarks). Each process's output is kept under
test-artifacts/ for when a test fails."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import ARTIFACTS
from tests.support import child_env, unique_stack
from videoshare.aws import open_clients
from videoshare.children import die_with_parent
from videoshare.entrypoints.workers import WORKERS
from videoshare.infra.provision import provision
from videoshare.infra.resources import resolve
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

# A deadline, not a wait: on a loaded 2-core machine seven Python processes start slowly.
READY_TIMEOUT_S = 120


@dataclass
class Stack:
    settings: Settings
    base_url: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        log = ARTIFACTS / f"{self.settings.stack}-{name}.log"
        self.logs[name] = log
        with log.open("wb") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "videoshare.entrypoints.cli.main", *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                preexec_fn=die_with_parent(),  # a killed test run leaves no process behind
            )

    def stop(self) -> dict[str, int]:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.processes.items()}

    def log_lines(self, name: str) -> list[dict[str, Any]]:
        """The JSON log lines a process has written so far."""
        lines = []
        for raw in self.logs[name].read_text(encoding="utf-8", errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(raw))
        return lines

    async def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Until the ingress answers `/readyz` with 200; fails at once if a process died."""
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            while time.monotonic() < deadline:
                dead = [name for name, up in self.alive().items() if not up]
                assert not dead, f"{dead} exited at start; see {[str(self.logs[n]) for n in dead]}"
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(f"{self.base_url}/readyz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise AssertionError(f"the ingress was not ready in {timeout_s} s (logs in {ARTIFACTS})")

    async def wait_until_idle(self, timeout_s: float = 30) -> None:
        """Until no queue of the stack holds a message, visible or in flight: the pipeline
        has settled, so counting its effects now gives their final number."""
        async with open_clients(self.settings) as aws:
            urls = list((await resolve(aws, self.settings)).queue_urls.values())
            deadline = time.monotonic() + timeout_s
            while True:
                busy = 0
                for url in urls:
                    attrs = await aws.sqs.get_queue_attributes(
                        QueueUrl=url,
                        AttributeNames=[
                            "ApproximateNumberOfMessages",
                            "ApproximateNumberOfMessagesNotVisible",
                        ],
                    )
                    busy += sum(int(v) for v in attrs["Attributes"].values())
                if busy == 0:
                    return
                assert time.monotonic() < deadline, f"queues still busy after {timeout_s} s"
                await asyncio.sleep(0.1)


@asynccontextmanager
async def running_stack(
    endpoint: str,
    prefix: str,
    *,
    env: Mapping[str, str] | None = None,
    ingress_env: Mapping[str, str] | None = None,
    workers: Iterable[str] = WORKERS,
    ready_timeout_s: float = READY_TIMEOUT_S,
) -> AsyncIterator[Stack]:
    """A fresh stack on the emulator at `endpoint`, provisioned, with the ingress and `workers`
    running; `env` goes to every process, `ingress_env` to the ingress alone. On exit every
    process is stopped and must have stopped cleanly."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        stack=unique_stack(prefix),
        aws_endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        api_port=port,
        web_origin=base_url,
    )
    async with open_clients(settings) as aws:
        await provision(aws, settings)
    common = child_env(
        settings,
        VIDEOSHARE_API_PORT=str(port),
        VIDEOSHARE_WEB_ORIGIN=base_url,
        # short long-polls: a stopping worker never waits 20 s for its last poll
        VIDEOSHARE_WAIT_TIME_S="2",
        # a video waiting for its owner's processing turn is looked at again within a second
        VIDEOSHARE_PROCESSING_WAIT_S="1",
        # as `make run`: a stopping worker hands a job in flight back instead of draining it
        VIDEOSHARE_SHUTDOWN_DRAIN_S="0",
        **(env or {}),
    )
    running = Stack(settings, base_url)
    running.start("ingress", ["api"], {**common, **(ingress_env or {})})
    for name in workers:
        running.start(name, ["worker", name], common)
    try:
        await running.wait_ready(ready_timeout_s)
        yield running
    finally:
        # stopping waits on the children: off the loop, so whatever serves on it keeps going
        codes = await asyncio.to_thread(running.stop)
        bad = {name: code for name, code in codes.items() if code != 0}
        assert not bad, f"processes did not stop cleanly: {bad} (logs in {ARTIFACTS})"
