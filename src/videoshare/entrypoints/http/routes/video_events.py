"""`GET /v1/videos/{id}/events`: a video's status and progress as a `text/event-stream`.

Each ingress process watches the record itself (a consistent read), so a stream works whichever
process the client reached and whichever wrote the change; there is no in-process pub/sub to
keep in step. It reads every `events_poll_interval_s` while the video changes, and waits twice
as long after each read that found nothing new, up to `events_poll_max_interval_s`: a video
waiting for its upload costs a read every few seconds, not two a second.

    event: status            the first event, and each change of status (or of its reason, or
                             of `playable`: the video can be watched while still processing)
    event: progress          a change of progress only
    id: <version>-<digest>   the record's version and a digest of what the event says
    data: {"status": "processing", "progress": 40.0, "status_reason": null, "playable": true}
                             (progress in percent, 0 to 100: the Video answer's own number;
                             `playable` as the Video's: fetch it then for its `hls_url`)

Resuming: a client that reconnects with `Last-Event-ID` (an EventSource does so by itself;
`?last_event_id=` does the same for a new EventSource) gets the current state only if it
differs from what that event said, so nothing is said twice; a video already settled in that
state answers 204 No Content, which tells an EventSource to stop reconnecting. What happened
in between is not replayed: the record holds the current state only.

The stream ends after a terminal status (`ready`, `rejected`, `failed`, `deleted`), after
`events_max_lifetime_s` (below API Gateway's 30 s cut by default), and when the process shuts
down — the last two with a `retry:` hint, so the client reconnects, resumes and misses
nothing — and when the client goes away. A comment line (`: ping`) every
`events_heartbeat_s` keeps proxies from closing a quiet stream. Each user and each client
address may hold a few streams at once (`entrypoints/http/event_streams.py`; then 429).

Visibility is exactly that of `GET /v1/videos/{id}`. An EventSource cannot send headers, so
this route (and only this one) also takes the access token as `?access_token=`; the access log
never records query strings, so the token stays out of the logs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from contextlib import suppress
from dataclasses import dataclass

import structlog
from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from videoshare.bootstrap import Dependencies
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.http.bearer import Principal, optional_user
from videoshare.entrypoints.http.client_address import request_client_address
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.event_streams import STREAMS, EventStreams
from videoshare.entrypoints.http.middleware.access_log import USER_ID
from videoshare.entrypoints.problem_json import Problem, unauthenticated
from videoshare.settings import Settings
from videoshare.usecases.videos import readable_video

log = structlog.get_logger("ingress")

routes = web.RouteTableDef()

_TOKEN = re.compile(r"^[A-Za-z0-9\-._~+/]{1,8192}=*$")
_EVENT_ID = re.compile(r"[0-9]{1,12}-[0-9a-f]{12}")
# The reconnection delay a stream's `retry:` hint asks for when the server ends it early.
RETRY_MS = 1000


@dataclass(frozen=True, slots=True)
class StreamState:
    """What a stream reports of a video."""

    status: VideoStatus
    progress: float | None
    status_reason: str | None
    playable: bool = False

    def data(self) -> str:
        return json.dumps(
            {
                "status": self.status.value,
                "progress": self.progress,
                "status_reason": self.status_reason,
                "playable": self.playable,
            }
        )

    def digest(self) -> str:
        return hashlib.sha256(self.data().encode()).hexdigest()[:12]

    def event_id(self, version: int) -> str:
        """`<version>-<digest>`: resuming compares the digest, so a write the stream does not
        show (a new title, say) is not said again as a change."""
        return f"{version}-{self.digest()}"

    def said_by(self, event_id: str | None) -> bool:
        """Whether the event `event_id` said exactly this state."""
        return event_id is not None and event_id.rpartition("-")[2] == self.digest()


def state_of(video: Video | None) -> StreamState:
    """The reported state; a video that is gone reads as `deleted`."""
    if video is None or video.status is VideoStatus.DELETED:
        return StreamState(VideoStatus.DELETED, None, None)
    return StreamState(video.status, video.progress, video.status_reason, video.playable)


def event_name(previous: StreamState | None, current: StreamState) -> str | None:
    """`status`, `progress`, or None when nothing a client sees has changed."""
    if (
        previous is None
        or previous.status is not current.status
        or previous.status_reason != current.status_reason
        or previous.playable != current.playable
    ):
        return "status"
    if previous.progress != current.progress:
        return "progress"
    return None


def next_interval(settings: Settings, interval_s: float, changed: bool) -> float:
    """The wait before the next read: the shortest after a change, else twice the last (at
    most `events_poll_max_interval_s`)."""
    if changed:
        return settings.events_poll_interval_s
    return min(interval_s * 2, max(settings.events_poll_max_interval_s, interval_s))


def last_event_id(request: web.Request) -> str | None:
    """The id the client last saw (header, else `?last_event_id=`); anything not shaped like
    our ids counts as none."""
    given = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    return given if given is not None and _EVENT_ID.fullmatch(given) else None


def setup(app: web.Application, settings: Settings) -> None:
    """Register the route and the shutdown hook that ends open streams."""
    app.add_routes(routes)
    app[STREAMS] = EventStreams(
        per_user=settings.events_streams_per_user,
        per_address=settings.events_streams_per_address,
    )

    async def stop_streams(app: web.Application) -> None:
        app[STREAMS].stopping.set()

    app.on_shutdown.append(stop_streams)


@routes.get("/v1/videos/{video_id}/events")
async def events(request: web.Request) -> web.StreamResponse:
    user = await _stream_user(request)
    user_id = user.user_id if user else None
    svc = dependencies(request)
    video = await readable_video(svc, request.match_info["video_id"], user_id)
    resumed_from = last_event_id(request)
    current = state_of(video)
    if current.status.is_terminal and current.said_by(resumed_from):
        return web.Response(status=204)  # settled, and the client knows: do not reconnect
    streams = request.app[STREAMS]
    address = request_client_address(request, svc.settings)
    with streams.hold(user_id, address):
        async with sse_response(request, ping_interval=svc.settings.events_heartbeat_s) as stream:
            seen = current if current.said_by(resumed_from) else None
            await _follow(request, stream, svc, video, seen, user_id, streams)
    return stream


async def _follow(
    request: web.Request,
    stream: EventSourceResponse,
    svc: Dependencies,
    first: Video,
    seen: StreamState | None,
    user_id: str | None,
    streams: EventStreams,
) -> None:
    """Report each change from `seen` (None: nothing yet) until the stream should end."""
    settings = svc.settings
    ends_at = asyncio.get_running_loop().time() + settings.events_max_lifetime_s
    video: Video | None = first
    interval_s = settings.events_poll_interval_s
    try:
        while True:
            current = state_of(video)
            name = event_name(seen, current)
            if name is not None:
                version = video.version if video is not None else 0
                await stream.send(current.data(), id=current.event_id(version), event=name)
                seen = current
            if current.status.is_terminal:
                return
            if video is not None and not video.visible_to(user_id):
                return  # no longer this caller's to watch
            interval_s = next_interval(settings, interval_s, changed=name is not None)
            if not await _wait(request, stream, streams.stopping, interval_s, ends_at):
                if _open(request, stream):
                    await stream.write(f"retry: {RETRY_MS}\n\n".encode())  # come back soon
                return
            video = await svc.videos.get(first.id)
    except ConnectionResetError:
        log.info("event_stream_client_gone", video_id=first.id)
    except Exception as exc:  # noqa: BLE001 - the answer has begun: end it, the client reconnects
        log.warning("event_stream_broken", video_id=first.id, error=repr(exc))


async def _wait(
    request: web.Request,
    stream: EventSourceResponse,
    stopping: asyncio.Event,
    interval_s: float,
    ends_at: float,
) -> bool:
    """Sleep one poll interval; False when the stream should end instead."""
    remaining = ends_at - asyncio.get_running_loop().time()
    if remaining <= 0 or stopping.is_set() or not _open(request, stream):
        return False
    with suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=min(interval_s, remaining))
    return not stopping.is_set() and _open(request, stream) and remaining > interval_s


def _open(request: web.Request, stream: EventSourceResponse) -> bool:
    """Whether the client is still there (a closed transport shows a disconnect at once; a
    failed heartbeat shows a vanished peer)."""
    transport = request.transport
    return stream.is_connected() and transport is not None and not transport.is_closing()


async def _stream_user(request: web.Request) -> Principal | None:
    """The caller, from the Authorization header or (this route only) `?access_token=`."""
    token = request.query.get("access_token")
    if token is None:
        return await optional_user(request)
    if "Authorization" in request.headers:
        raise Problem(
            400,
            "token-twice",
            "Access token sent twice",
            "Send the access token either in the Authorization header or as `access_token`, "
            "not both.",
        )
    if not _TOKEN.match(token):
        raise unauthenticated(
            "invalid-token",
            "Access token not valid",
            "`access_token` must be an access token from POST /v1/auth/login.",
            "invalid_request",
        )
    claims = await dependencies(request).tokens.verify(token)
    request[USER_ID] = claims.sub
    return Principal(claims.sub, token, claims)
