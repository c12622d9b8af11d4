"""Importing from a link through the whole stack: `POST /v1/videos` with `source_url`, the
importer fetching from a server on loopback (locally allowed by
`VIDEOSHARE_IMPORT_ALLOW_PRIVATE_SOURCES`, set for this tier's stack), its progress on the
video's events stream while it reads, then the pipeline as for an upload, to `ready`; and a
link that answers 404 rejects the video with that reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.client import User
from tests.integration.sse_support import SseReader
from tests.media import accepted_clip
from tests.stack import Stack
from tests.support import HeldBack, serving_held_back

pytestmark = pytest.mark.e2e


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def source() -> AsyncIterator[HeldBack]:
    """A server on loopback with one clip, at /clip.mp4 behind a redirect from /share/clip:
    its size announced, its first half sent at once, the rest when the test opens the gate."""

    async def share(request: web.Request) -> web.Response:
        raise web.HTTPFound("/clip.mp4")

    app = web.Application()
    app.router.add_get("/share/clip", share)
    async with serving_held_back(app, "/clip.mp4", accepted_clip("tiny-2s").read_bytes()) as held:
        yield held


async def import_from(user: User, url: str) -> dict[str, object]:
    body = {"title": "Imported", "visibility": "private", "source_url": url}
    created = await user.call("POST", "/v1/videos", expect=201, json=body)
    assert created["upload"] is None
    assert created["video"]["status"] == "awaiting_upload"
    video: dict[str, object] = created["video"]
    return video


async def test_a_video_imported_from_a_link_shows_its_progress_and_becomes_ready(
    stack: Stack, http: aiohttp.ClientSession, source: HeldBack
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
    stack: Stack, http: aiohttp.ClientSession, source: HeldBack
) -> None:
    user = await User(http, stack.base_url).sign_up()
    created = await import_from(user, f"{source.base}/gone.mp4")

    video = await user.wait_for_status(str(created["id"]), {"rejected", "failed"}, timeout_s=60)
    assert video["status"] == "rejected", video
    assert video["status_reason"] == "The link answered 404: nothing is there."
