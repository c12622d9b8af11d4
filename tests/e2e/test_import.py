"""Importing from a link through the whole stack: `POST /v1/videos` with `source_url`, the
importer fetching from a server on loopback (locally allowed by
`VIDEOSHARE_IMPORT_ALLOW_PRIVATE_SOURCES`, set for this tier's stack), its progress on the
video's events stream while it reads, then the pipeline as for an upload, to `ready`; and a
link that answers 404 rejects the video with that reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.client import User
from tests.integration.sse_support import SseReader
from tests.media import accepted_clip
from tests.stack import Stack
from tests.support import serving

pytestmark = pytest.mark.e2e

GATE_TIMEOUT_S = 60  # the clip's second half waits for the test at most this long


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@dataclass
class Source:
    base: str  # the server's URL
    gate: asyncio.Event  # the clip's second half is sent once it is set


@pytest.fixture
async def source() -> AsyncIterator[Source]:
    """A server on loopback with one clip, at /clip.mp4 behind a redirect from /share/clip:
    its size announced, its first half sent at once, the rest when the test opens the gate."""
    data = accepted_clip("tiny-2s").read_bytes()
    gate = asyncio.Event()

    async def share(request: web.Request) -> web.Response:
        raise web.HTTPFound("/clip.mp4")

    async def video(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        await asyncio.wait_for(gate.wait(), GATE_TIMEOUT_S)
        await response.write(data[len(data) // 2 :])
        return response

    app = web.Application()
    app.router.add_get("/share/clip", share)
    app.router.add_get("/clip.mp4", video)
    async with serving(app) as base:
        try:
            yield Source(base, gate)
        finally:
            gate.set()  # a failed test leaves no handler waiting


async def import_from(user: User, url: str) -> dict[str, object]:
    body = {"title": "Imported", "visibility": "private", "source_url": url}
    created = await user.call("POST", "/v1/videos", expect=201, json=body)
    assert created["upload"] is None
    assert created["video"]["status"] == "awaiting_upload"
    video: dict[str, object] = created["video"]
    return video


async def test_a_video_imported_from_a_link_shows_its_progress_and_becomes_ready(
    stack: Stack, http: aiohttp.ClientSession, source: Source
) -> None:
    user = await User(http, stack.base_url).sign_up()
    created = await import_from(user, f"{source.base}/share/clip")

    # Half the clip is read, the rest held back: the events stream says how far the fetch is.
    events = f"{stack.base_url}/v1/videos/{created['id']}/events"
    async with asyncio.timeout(60), http.get(events, params={"access_token": user.token}) as sse:
        reader = SseReader(sse)
        while (event := await reader.next()) is not None:
            said = event.json
            if said["status"] == "awaiting_upload" and said["progress"] is not None:
                break
        assert event is not None, "the stream ended before the import said its progress"
    assert 0 < said["progress"] < 100, said
    source.gate.set()

    video = await user.wait_for_status(
        str(created["id"]), {"ready", "rejected", "failed"}, timeout_s=180
    )
    assert video["status"] == "ready", video
    assert video["size_bytes"] == accepted_clip("tiny-2s").stat().st_size
    assert video["renditions"]


async def test_a_link_that_answers_404_rejects_the_video_with_that_reason(
    stack: Stack, http: aiohttp.ClientSession, source: Source
) -> None:
    user = await User(http, stack.base_url).sign_up()
    created = await import_from(user, f"{source.base}/gone.mp4")

    video = await user.wait_for_status(str(created["id"]), {"rejected", "failed"}, timeout_s=60)
    assert video["status"] == "rejected", video
    assert video["status_reason"] == "The link answered 404: nothing is there."
