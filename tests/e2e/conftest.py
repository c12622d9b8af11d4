"""The whole stack as real processes: the ingress and every worker, on a fresh provisioned stack
of the session's emulator, the ingress on a free port. Their output is kept under
test-artifacts/ for when a test fails."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import ARTIFACTS
from tests.support import child_env, unique_stack
from videoshare.aws import open_clients
from videoshare.infra.provision import provision
from videoshare.infra.resources import resolve
from videoshare.local.emulator import Emulator, free_port
from videoshare.settings import Settings
from videoshare.workers import WORKERS

# A deadline, not a wait: on a loaded 2-core machine six Python processes take a while to start.
READY_TIMEOUT_S = 120


@dataclass
class Stack:
    settings: Settings
    base_url: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = ARTIFACTS / f"{self.settings.stack}-{name}.log"
        self.logs[name] = log
        with log.open("wb") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "videoshare.cli", *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
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


def _stack_settings(emulator: Emulator) -> Settings:
    return Settings(
        stack=unique_stack("e2e"),
        aws_endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        api_port=free_port(),
    )


@pytest.fixture(scope="module")
async def stack(emulator: Emulator) -> AsyncIterator[Stack]:
    settings = _stack_settings(emulator)
    async with open_clients(settings) as aws:
        await provision(aws, settings)
    base_url = f"http://127.0.0.1:{settings.api_port}"
    env = child_env(
        settings,
        VIDEOSHARE_API_PORT=str(settings.api_port),
        VIDEOSHARE_WEB_ORIGIN=base_url,
        # short long-polls: a stopping worker never waits 20 s for its last poll
        VIDEOSHARE_WAIT_TIME_S="2",
    )
    running = Stack(settings, base_url)
    running.start("ingress", ["api"], env)
    for name in WORKERS:
        running.start(name, ["worker", name], env)
    try:
        await _wait_ready(running)
        yield running
    finally:
        codes = running.stop()
        bad = {name: code for name, code in codes.items() if code != 0}
        assert not bad, f"processes did not stop cleanly: {bad} (logs in {ARTIFACTS})"


async def _wait_ready(stack: Stack) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            dead = [name for name, up in stack.alive().items() if not up]
            assert not dead, f"{dead} exited at start; see {[str(stack.logs[n]) for n in dead]}"
            try:
                async with http.get(f"{stack.base_url}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the ingress was not ready in {READY_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")
