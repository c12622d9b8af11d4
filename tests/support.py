"""Helpers shared by the test tiers (not fixtures)."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psutil
from aiohttp import web

from videoshare.adapters.videos import VideoRepository
from videoshare.domain.video import Video
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port


def unique_stack(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """`app` served on a free loopback port while the block runs; its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass
class HeldBack:
    """A file served with its size announced, its first half at once and the rest once the
    test opens `gate` (an importer's progress can then be seen between 0 and 100)."""

    base: str  # the server's URL
    gate: asyncio.Event


@asynccontextmanager
async def serving_held_back(
    app: web.Application, path: str, data: bytes, *, wait_s: float = 60
) -> AsyncIterator[HeldBack]:
    """`app` served with `data` at `path` (a video/mp4), half of it held back until the gate
    opens (at most `wait_s`; opened when the block ends, so no handler is left waiting)."""
    gate = asyncio.Event()

    async def held_back(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        await asyncio.wait_for(gate.wait(), wait_s)
        await response.write(data[len(data) // 2 :])
        return response

    app.router.add_get(path, held_back)
    async with serving(app) as base:
        try:
            yield HeldBack(base, gate)
        finally:
            gate.set()


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a child process of the stack described by `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEOSHARE_", "AWS_"))}
    env.update(
        {
            "VIDEOSHARE_STACK": settings.stack,
            "AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": settings.aws_region,
            "VIDEOSHARE_LOG_FORMAT": "json",
            **extra,
        }
    )
    return env


async def eventually(
    predicate: Callable[[], bool | Awaitable[bool]],
    *,
    timeout_s: float = 10.0,
    interval_s: float = 0.05,
    what: str = "the condition",
) -> None:
    """Poll `predicate` (plain or async) until it is true; fail once `timeout_s` has passed."""
    deadline = time.monotonic() + timeout_s
    while True:
        outcome = predicate()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout_s} s")
        await asyncio.sleep(interval_s)


async def rewrite(videos: VideoRepository, video: Video, **fields: Any) -> Video:
    """Write `fields` onto the stored record as no use case would: a test's own set-up (the
    conditional write on `video`'s version still applies)."""
    return await videos.save(video.model_copy(update=fields), expected=video)


def running_ffmpeg(pid: int) -> bool:
    """Whether process `pid` has an ffmpeg among its descendants (a transcode under way)."""
    return any("ffmpeg" in child.name() for child in psutil.Process(pid).children(recursive=True))


def stop_runner(runner: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Stop a `videoshare run` as Ctrl-C does, then kill it if it has not exited in time."""
    if runner.poll() is None:
        runner.send_signal(signal.SIGINT)
        try:
            runner.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait()
