"""`make run` waits for a slow ingress: a `/readyz` that answers after the runner's client
timeout is a "not ready yet", retried until the start deadline, never the runner's death (seen
in a fresh-clone run on a busy machine: aiohttp's TimeoutError is not a ClientError)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from videoshare.local.runner import Child, _ingress_ready
from videoshare.tcp_ports import free_port

SLOWER_THAN_THE_CLIENT_S = 2.5  # the runner's probe gives up after 2 s


@pytest.fixture
async def slow_ingress() -> AsyncIterator[tuple[str, list[str]]]:
    """A server whose first `/readyz` answers too late, and every later one at once."""
    answered: list[str] = []

    async def readyz(request: web.Request) -> web.Response:
        if not answered:
            answered.append("slow")
            await asyncio.sleep(SLOWER_THAN_THE_CLIENT_S)
        else:
            answered.append("ready")
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/readyz", readyz)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", answered
    finally:
        await runner.cleanup()


async def test_a_readyz_slower_than_the_probe_is_asked_again(
    slow_ingress: tuple[str, list[str]],
) -> None:
    base, answered = slow_ingress
    # the ingress the runner watches: a live process (it only checks that it is still there),
    # which waits for a signal and is killed below
    alive = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import signal; signal.pause()"
    )
    try:
        ready = await _ingress_ready(
            base, asyncio.Event(), Child("ingress", [], "37", process=alive)
        )
    finally:
        alive.kill()
        await alive.wait()
    assert ready
    assert answered[0] == "slow"
    assert "ready" in answered
