"""Real processes under real faults: a stack of the processes a test names (several of one worker
if it wants), on a freshly provisioned stack, with short timeouts set through the environment
as an operator would. Reuses `tests/stack.Stack` (start, stop, logs, idle); nothing of it is
changed here."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest

from tests.conftest import ARTIFACTS
from tests.stack import Stack
from tests.support import child_env, unique_stack
from videoshare.aws import open_clients
from videoshare.infra.provision import provision
from videoshare.infra.resources import resolve
from videoshare.local.emulator import Emulator, start_emulator
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

READY_TIMEOUT_S = 120  # a deadline: seven processes start slowly on a loaded machine

# Every knob a process reads from the environment, set the same way for provisioning (the
# queues' redrive and visibility come from it) and for each process.
QUICK: dict[str, Any] = {
    "wait_time_s": 1,
    "max_receive_count": 3,
    "transcode_visibility_timeout_s": 6,
    # a video waiting for its owner's processing turn is looked at again within a second
    "processing_wait_s": 1,
}


def stack_settings(emulator: Emulator, **overrides: Any) -> Settings:
    return Settings(
        stack=unique_stack("res"),
        aws_endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        api_port=free_port(),
        health_port=0,
        **{**QUICK, **overrides},
    )


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    knobs = {
        f"VIDEOSHARE_{name.upper()}": str(getattr(settings, name))
        for name in (
            "wait_time_s",
            "max_receive_count",
            "transcode_visibility_timeout_s",
            "processing_wait_s",
        )
    }
    return child_env(
        settings,
        **{
            "VIDEOSHARE_API_PORT": str(settings.api_port),
            "VIDEOSHARE_WEB_ORIGIN": f"http://127.0.0.1:{settings.api_port}",
            "VIDEOSHARE_HEALTH_PORT": "0",
            "VIDEOSHARE_DLQ_SAMPLE_INTERVAL_S": "0.5",
            **knobs,
            **extra,
        },
    )


@contextlib.asynccontextmanager
async def running(
    settings: Settings, workers: dict[str, str], *, ingress: bool = True, **env_extra: str
) -> AsyncIterator[Stack]:
    """Provision `settings`' stack and run `workers` (process label → worker name), and the
    ingress when asked, with `env_extra` over `process_env`; every process must stop cleanly at
    the end unless a test killed it."""
    async with open_clients(settings) as aws:
        await provision(aws, settings)
    stack = Stack(settings, f"http://127.0.0.1:{settings.api_port}")
    env = process_env(settings, **env_extra)
    if ingress:
        stack.start("ingress", ["api"], env)
    for label, worker in workers.items():
        stack.start(label, ["worker", worker], env)
    try:
        await wait_ready(stack, ingress=ingress)
        yield stack
    finally:
        codes = stack.stop()
        bad = {n: c for n, c in codes.items() if c not in (0, -signal.SIGKILL)}
        assert not bad, f"processes did not stop cleanly: {bad} (logs in {ARTIFACTS})"


async def wait_ready(stack: Stack, *, ingress: bool) -> None:
    """Until every worker logged that it consumes and the ingress answers /readyz."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    workers = [n for n in stack.processes if n != "ingress"]
    async with aiohttp.ClientSession() as http:
        while True:
            dead = [name for name, up in stack.alive().items() if not up]
            assert not dead, f"{dead} exited at start; see {[str(stack.logs[n]) for n in dead]}"
            started = all(
                any(line.get("event") == "worker_started" for line in stack.log_lines(n))
                for n in workers
            )
            if started and (not ingress or await _answers(http, f"{stack.base_url}/readyz")):
                return
            assert time.monotonic() < deadline, f"the stack was not ready in {READY_TIMEOUT_S} s"
            await asyncio.sleep(0.1)


async def _answers(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with http.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


def handled(stack: Stack, label: str, outcome: str | None = None) -> list[dict[str, Any]]:
    """The "message handled" log lines of one process (of one outcome)."""
    return [
        line
        for line in stack.log_lines(label)
        if line.get("event") == "message handled"
        and (outcome is None or line.get("outcome") == outcome)
    ]


async def dead_letter_depths(settings: Settings) -> dict[str, int]:
    async with open_clients(settings) as aws:
        resources = await resolve(aws, settings)
        depths = {}
        for name, url in resources.dlq_urls.items():
            attrs = await aws.sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )
            depths[name] = sum(int(v) for v in attrs["Attributes"].values())
        return depths


def health_url(stack: Stack, label: str) -> str:
    """Where the worker's side server listens (it logs the URL once bound)."""
    for line in stack.log_lines(label):
        if line.get("event") == "health_server_listening":
            return str(line["url"])
    raise AssertionError(f"{label} logged no health server")


async def scrape(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
        assert response.status == 200
        return await response.text()


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """kill -9 a worker and what it started (its ffmpeg), as a container runtime would."""
    children = psutil.Process(process.pid).children(recursive=True)
    process.kill()
    process.wait()
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(children, timeout=10)


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "videoshare.entrypoints.cli.main", *args],
        env={**process_env(settings), "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def own_emulator() -> Iterator[Emulator]:
    """An emulator of the test's own, for a test that freezes or floods it."""
    emu = start_emulator(port=free_port(), log_path=ARTIFACTS / "emulator-resilience.log")
    yield emu
    emu.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        yield session


@pytest.fixture
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")
