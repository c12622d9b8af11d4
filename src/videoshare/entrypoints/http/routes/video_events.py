"""`GET /v1/videos/{id}/events`: a video's status and progress as a `text/event-stream`.

Each ingress process watches the record itself (a consistent read every
`events_poll_interval_s`), so a stream works whichever process the client reached and whichever
wrote the change; there is no in-process pub/sub to keep in step.

    event: status            the first event, and each change of status (or of its reason, or
                             of `playable`: the video can be watched while still processing)
    event: progress          a change of progress only
    id: <record version>     grows with every write of the record
    data: {"status": "processing", "progress": 40.0, "status_reason": null, "playable": true}
                             (progress in percent, 0 to 100: the Video answer's own number;
                             `playable` as the Video's: fetch it then for its `hls_url`)

The stream ends after a terminal status (`ready`, `rejected`, `failed`, `deleted`), after
`events_max_lifetime_s` (an EventSource reconnects by itself and gets the current state
first), when the client goes away, and when the process shuts down. A comment line (`: ping`)
every `events_heartbeat_s` keeps proxies from closing a quiet stream.

Visibility is exactly that of `GET /v1/videos/{id}`. An EventSource cannot send headers, so
this route (and only this one) also takes the access token as `?access_token=`; the access log
never records query strings, so the token stays out of the logs.
"""

from __future__ import annotations

import asyncio
import json
import re
from contextlib import suppress
from dataclasses import dataclass, field

import structlog
from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from videoshare.bootstrap import Dependencies
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.http.bearer import Principal, optional_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.middleware.access_log import USER_ID
from videoshare.entrypoints.problem_json import Problem, unauthenticated
from videoshare.usecases.videos import readable_video

log = structlog.get_logger("ingress")

routes = web.RouteTableDef()


@dataclass(slots=True)
class EventStreams:
    """The process's open streams: how many, and the signal that ends them all at shutdown."""

    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    open: int = 0


STREAMS = web.AppKey("event_streams", EventStreams)
_TOKEN = re.compile(r"^[A-Za-z0-9\-._~+/]{1,8192}=*$")


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


def setup(app: web.Application) -> None:
    """Register the route and the shutdown hook that ends open streams."""
    app.add_routes(routes)
    app[STREAMS] = EventStreams()

    async def stop_streams(app: web.Application) -> None:
        app[STREAMS].stopping.set()

    app.on_shutdown.append(stop_streams)


@routes.get("/v1/videos/{video_id}/events")
async def events(request: web.Request) -> web.StreamResponse:
    user = await _stream_user(request)
    user_id = user.user_id if user else None
    svc = dependencies(request)
    video = await readable_video(svc, request.match_info["video_id"], user_id)
    streams = request.app[STREAMS]
    streams.open += 1
    try:
        async with sse_response(request, ping_interval=svc.settings.events_heartbeat_s) as stream:
            await _follow(request, stream, svc, video, user_id, streams.stopping)
    finally:
        streams.open -= 1
    return stream


async def _follow(
    request: web.Request,
    stream: EventSourceResponse,
    svc: Dependencies,
    first: Video,
    user_id: str | None,
    stopping: asyncio.Event,
) -> None:
    settings = svc.settings
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + settings.events_max_lifetime_s
    video: Video | None = first
    previous: StreamState | None = None
    try:
        while True:
            current = state_of(video)
            name = event_name(previous, current)
            if name is not None:
                version = video.version if video is not None else 0
                await stream.send(current.data(), id=str(version), event=name)
                previous = current
            if current.status.is_terminal:
                return
            if video is not None and not video.visible_to(user_id):
                return  # no longer this caller's to watch
            if not await _wait(request, stream, stopping, settings.events_poll_interval_s, ends_at):
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
    if remaining <= 0 or not _open(request, stream, stopping):
        return False
    with suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=min(interval_s, remaining))
    return _open(request, stream, stopping)


def _open(request: web.Request, stream: EventSourceResponse, stopping: asyncio.Event) -> bool:
    """Whether the stream goes on: not shutting down, and the client is still there (a closed
    transport shows a disconnect at once; a failed heartbeat shows a vanished peer)."""
    transport = request.transport
    return (
        not stopping.is_set()
        and stream.is_connected()
        and transport is not None
        and not transport.is_closing()
    )


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
