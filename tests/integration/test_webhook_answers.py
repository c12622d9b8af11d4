"""The webhook sender against a hostile receiver: an answer is never decompressed and never read
past a few KiB, so a gzip bomb costs the sender nothing, and other deliveries go on.

The receivers are aiohttp servers of the test's own on 127.0.0.1 (private targets allowed). The
bomb is made once, streaming, from zeros: about 256 KiB on the wire, 256 MiB once inflated.
"""

from __future__ import annotations

import asyncio
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psutil
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from videoshare.adapters.webhooks import post_delivery
from videoshare.domain.webhooks import Delivery, new_secret
from videoshare.usecases.ports import Webhook

pytestmark = pytest.mark.integration

MIB = 1024**2
INFLATED_MIB = 256
RSS_GROWTH_BOUND = 64 * MIB


def _gzip_of_zeros(mib: int) -> bytes:
    """A gzip member of `mib` MiB of zeros, compressed one MiB at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MIB)
    chunks = [packer.compress(zeros) for _ in range(mib)]
    return b"".join(chunks) + packer.flush()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    body = _gzip_of_zeros(INFLATED_MIB)
    assert len(body) < MIB  # small on the wire, 256 MiB once inflated
    return body


async def _bomb_receiver(request: web.Request) -> web.StreamResponse:
    await request.read()
    body: bytes = request.app[BOMB]
    answer = web.StreamResponse(
        status=200, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )
    answer.content_length = len(body)
    await answer.prepare(request)
    for start in range(0, len(body), 64 * 1024):
        await answer.write(body[start : start + 64 * 1024])
    await answer.write_eof()
    return answer


BOMB = web.AppKey("bomb", bytes)


@pytest.fixture
async def bomb_url(bomb: bytes) -> AsyncIterator[str]:
    app = web.Application()
    app[BOMB] = bomb
    app.router.add_post("/hook", _bomb_receiver)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/hook"))


@pytest.fixture
async def plain_url() -> AsyncIterator[str]:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"thanks": True})

    app = web.Application()
    app.router.add_post("/hook", ok)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/hook"))


@contextmanager
def peak_rss() -> Iterator[list[int]]:
    """[baseline, peak] of this process's RSS, sampled by a thread while the block runs (a
    thread, so the samples go on while the event loop is busy inflating)."""
    process = psutil.Process()
    seen = [process.memory_info().rss] * 2
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.001):
            seen[1] = max(seen[1], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        done.set()
        sampler.join()


def _delivery(n: int) -> Delivery:
    return Delivery(
        delivery_id=f"d-{n}",
        user_id="u-1",
        event_type="video.ready",
        correlation_id=f"c-{n}",
        payload={"video_id": f"v-{n}"},
        first_attempt_at=0.0,
    )


async def test_a_gzip_bomb_is_neither_inflated_nor_read(bomb_url: str, plain_url: str) -> None:
    hook = Webhook("u-1", bomb_url, new_secret(), datetime.now(UTC))
    other = Webhook("u-2", plain_url, new_secret(), datetime.now(UTC))
    with peak_rss() as rss:
        bombed, plain = await asyncio.gather(
            post_delivery(hook, _delivery(1), b"{}", allow_private=True, timeout_s=30),
            post_delivery(other, _delivery(2), b"{}", allow_private=True, timeout_s=30),
        )
    assert bombed.status == 200
    assert bombed.delivered
    assert plain.delivered
    assert rss[1] - rss[0] < RSS_GROWTH_BOUND, f"RSS grew by {(rss[1] - rss[0]) // MIB} MiB"
