"""The events stream against real processes: an EventSource-style client (token in the query,
reconnecting with `Last-Event-ID` whenever the server ends a stream early, as an EventSource
does) watches a real upload go through the real workers to `ready`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.client import User
from tests.integration.sse_support import SseReader
from tests.media import make_clip
from tests.stack import Stack

pytestmark = pytest.mark.e2e

LIFECYCLE = ["awaiting_upload", "uploaded", "processing", "ready"]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_an_event_source_sees_the_upload_through_to_ready(
    stack: Stack, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    clip = make_clip(media_dir / "watched.mp4", seconds=2, width=320, height=240)
    data = clip.read_bytes()
    user = await User(http, stack.base_url).sign_up()
    created = await user.call(
        "POST",
        "/v1/videos",
        expect=201,
        json={
            "title": "Watched",
            "visibility": "private",
            "filename": clip.name,
            "content_type": "video/mp4",
            "size_bytes": len(data),
        },
    )
    video_id, upload = created["video"]["id"], created["upload"]
    url = f"{stack.base_url}/v1/videos/{video_id}/events"
    async with http.get(url, params={"access_token": user.token}) as stream:
        assert stream.status == 200
        reader = SseReader(stream)
        first = await reader.next()
        assert first is not None
        assert first.json["status"] == "awaiting_upload"

        async with http.put(upload["url"], data=data, headers=upload["headers"]) as put:
            assert put.status == 200
        events = [first, *await asyncio.wait_for(reader.rest(), 90)]
    async with asyncio.timeout(90):
        while events[-1].json["status"] != "ready":  # ended early: resume, as EventSource does
            last_id = events[-1].id or ""
            async with http.get(
                url, params={"access_token": user.token}, headers={"Last-Event-ID": last_id}
            ) as stream:
                assert stream.status == 200
                events += await SseReader(stream).rest()

    statuses = [e.json["status"] for e in events if e.event == "status"]
    # polling may step over a quick status, never back; resuming never says one twice
    assert statuses[-1] == "ready", statuses
    assert statuses == sorted(statuses, key=LIFECYCLE.index)
    assert len(set(statuses)) == len(statuses)
    versions = [int((e.id or "0").split("-")[0]) for e in events]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
