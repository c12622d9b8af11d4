"""`videoshare healthcheck` as the container runs it: a real child process asking a real
worker side server, healthy while it answers and unhealthy once it is gone."""

from __future__ import annotations

import asyncio
import os
import sys

from prometheus_client import CollectorRegistry

from videoshare.entrypoints.workers.health_server import WorkerHealth, side_server
from videoshare.infra.topology import NOTIFIER
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port


async def healthcheck(*arguments: str, port: int) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEOSHARE_", "AWS_"))}
    env["VIDEOSHARE_HEALTH_PORT"] = str(port)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "videoshare.entrypoints.cli.main",
        "healthcheck",
        *arguments,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, err.decode()


async def never_asked() -> object:
    raise AssertionError("/healthz does not ask the queue")


async def test_healthy_while_the_side_server_answers_unhealthy_once_it_is_gone() -> None:
    port = free_port()
    settings = Settings(health_port=port)
    async with side_server(NOTIFIER, settings, WorkerHealth(CollectorRegistry(), never_asked)):
        code, err = await healthcheck("worker", NOTIFIER, port=port)
        assert (code, err) == (0, "")
    code, err = await healthcheck("worker", NOTIFIER, port=port)
    assert code == 1
    assert f"notifier did not answer on http://127.0.0.1:{port}/healthz" in err


async def test_without_arguments_it_reads_the_command_line_of_the_process_to_check() -> None:
    port = free_port()
    settings = Settings(health_port=port)
    # a stand-in for the container's main process (it waits until killed): its command line
    # names `videoshare worker`
    stand_in = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import signal; signal.pause()", "videoshare", "worker", NOTIFIER
    )
    try:
        async with side_server(NOTIFIER, settings, WorkerHealth(CollectorRegistry(), never_asked)):
            assert await healthcheck("--pid", str(stand_in.pid), port=port) == (0, "")
        code, _ = await healthcheck("--pid", str(stand_in.pid), port=port)
        assert code == 1
    finally:
        stand_in.kill()
        await stand_in.wait()


async def test_a_process_that_serves_nothing_is_healthy_while_it_runs() -> None:
    code, _ = await healthcheck("provision", port=free_port())
    assert code == 0
