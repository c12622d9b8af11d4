"""`--wait`: follow a video until it settles, through `GET /v1/videos/{id}/events` (SSE), and
by polling `GET /v1/videos/{id}` whenever the stream is unavailable or keeps failing.

The server ends a stream after a while (under API Gateway's 30 s cut) with a `retry:` hint:
the client then reconnects after that many milliseconds with `Last-Event-ID`, and the server
says only what changed since that event, so nothing is missed or said twice.

Its bytes are sent by then, so an `awaiting_upload` the record may still show for a moment
is stale and not said, unless it carries a percentage: an import whose link the service is
fetching (`importing 40%`, as `processing 40%`). Nor is the settled status said, which the
caller says once (ready, or the reason it was not)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from videoshare.entrypoints.cli.client.errors import ClientFailure
from videoshare.entrypoints.cli.client.session import ApiSession
from videoshare.entrypoints.cli.client.sse import SseParser

SETTLED = frozenset({"ready", "rejected", "failed", "deleted"})
POLL_INTERVAL_S = 1.0
RETRY_S = 1.0  # the wait before reconnecting when the server named none
MAX_STREAM_FAILURES = 3  # failed connections in a row before polling takes over
STREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10, sock_read=90)


# What a status with a percentage is called while it runs.
RUNNING = {"processing": "processing", "awaiting_upload": "importing"}


def describe(change: dict[str, Any]) -> str:
    """`processing 40%`, `importing 40%`, `rejected: <reason>`: one status change as a person
    reads it (`progress` is in percent, 0 to 100, as the API defines it)."""
    status = str(change.get("status", "?"))
    progress = change.get("progress")
    if isinstance(progress, int | float) and status in RUNNING:
        return f"{RUNNING[status]} {progress:.0f}%"
    reason = change.get("status_reason")
    return f"{status}: {reason}" if reason else status


def worth_saying(change: dict[str, Any]) -> bool:
    """Whether a change is said at all: not a settled status (the caller says it), nor an
    `awaiting_upload` without a percentage (stale: the bytes are sent)."""
    status = change.get("status")
    if status == "awaiting_upload":
        return isinstance(change.get("progress"), int | float)
    return status not in SETTLED


async def follow_until_settled(
    session: ApiSession,
    video_id: str,
    say: Callable[[str], None],
    timeout_s: float,
) -> dict[str, Any]:
    """The video once its status is settled; `ClientFailure` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    last = ["", "awaiting_upload"]  # the last line said, the last status seen

    def seen(change: dict[str, Any]) -> None:
        last[1] = str(change.get("status", last[1]))
        line = describe(change)
        if line != last[0] and worth_saying(change):
            last[0] = line
            say(line)

    try:
        async with asyncio.timeout(timeout_s):
            await _stream(session, video_id, seen)
            while True:
                video = await _video(session, video_id)
                seen(video)
                if video.get("status") in SETTLED:
                    return video
                await asyncio.sleep(min(POLL_INTERVAL_S, max(0.0, deadline - time.monotonic())))
    except TimeoutError:
        latest = last[0] or last[1]
        raise ClientFailure(
            f"video {video_id} did not settle within {timeout_s:.0f} s (last: {latest}); "
            f"follow it later with `videoshare videos list`"
        ) from None


async def _stream(
    session: ApiSession, video_id: str, seen: Callable[[dict[str, Any]], None]
) -> None:
    """Report the stream's changes until it says the video settled, reconnecting and resuming
    while the server ends it with a `retry:` hint; returns (polling takes over) when a stream
    cannot be had, ends without a hint, or fails `MAX_STREAM_FAILURES` times in a row."""
    parser = SseParser()
    last_id: str | None = None
    failures = 0
    while failures < MAX_STREAM_FAILURES:
        headers = {"Accept": "text/event-stream"}
        if last_id is not None:
            headers["Last-Event-ID"] = last_id
        parser = SseParser(retry_ms=parser.retry_ms)
        try:
            async with session.request(
                "GET",
                f"/v1/videos/{video_id}/events",
                what="following the video",
                client_timeout=STREAM_TIMEOUT,
                headers=headers,
            ) as response:
                if response.status != 200 or response.content_type != "text/event-stream":
                    return  # 204: settled as last said; anything else: polling will tell
                hinted = False
                async for raw in response.content:
                    line = raw.decode("utf-8", errors="replace")
                    hinted = hinted or line.startswith("retry:")
                    event = parser.feed(line)
                    if event is None:
                        continue
                    failures = 0
                    last_id = event.id if event.id is not None else last_id
                    if _report(event.data, seen):
                        return
        except ClientFailure:
            return
        except (aiohttp.ClientError, TimeoutError):
            failures += 1
        else:
            if not hinted:
                return  # ended for good (the video is no longer ours to watch, say)
        retry_ms = parser.retry_ms
        await asyncio.sleep(RETRY_S if retry_ms is None else retry_ms / 1000)


def _report(data: str, seen: Callable[[dict[str, Any]], None]) -> bool:
    """Pass one event's change on; True once it says the video settled."""
    try:
        change = json.loads(data)
    except ValueError:
        return False
    if not isinstance(change, dict) or "status" not in change:
        return False
    seen(change)
    return change["status"] in SETTLED


async def _video(session: ApiSession, video_id: str) -> dict[str, Any]:
    video = await session.call("GET", f"/v1/videos/{video_id}", what="reading the video")
    if not isinstance(video, dict):
        raise ClientFailure("the API answered GET /v1/videos/{id} in an unknown shape")
    return video
