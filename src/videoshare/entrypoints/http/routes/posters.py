"""The owner chooses the poster (`usecases/posters.py`).

    PUT  /v1/videos/{id}/poster             the body is an image (JPEG, PNG or WebP)
    POST /v1/videos/{id}/poster/moment      {"time_s": 12.5}: the storyboard's thumbnail there

Both answer the Video, with its new `poster_url`.
"""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.middleware.request_id import request_id
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.schemas import PosterAtIn
from videoshare.entrypoints.http.validation import parse_body, read_file_body
from videoshare.entrypoints.http.views import request_video_view
from videoshare.usecases.posters import poster_at, upload_poster

routes = web.RouteTableDef()


@routes.put("/v1/videos/{video_id}/poster")
async def put_poster(request: web.Request) -> web.Response:
    user = await require_user(request)
    deps = dependencies(request)
    data = await read_file_body(request, deps.settings.max_poster_bytes)
    video = await upload_poster(
        deps, request.match_info["video_id"], user.user_id, data, request_id(request)
    )
    return json_reply(await request_video_view(request, video), headers=NO_STORE)


@routes.post("/v1/videos/{video_id}/poster/moment")
async def poster_moment(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, PosterAtIn)
    video = await poster_at(
        dependencies(request),
        request.match_info["video_id"],
        user.user_id,
        body.time_s,
        request_id(request),
    )
    return json_reply(await request_video_view(request, video), headers=NO_STORE)
