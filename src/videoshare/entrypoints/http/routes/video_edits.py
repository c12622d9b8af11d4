"""`PATCH /v1/videos/{id}` and `DELETE /v1/videos/{id}`: the owner changes or deletes a video
(`usecases/video_edits.py`)."""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.middleware.request_id import request_id
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.schemas import UpdateVideoIn
from videoshare.entrypoints.http.validation import parse_body
from videoshare.entrypoints.http.views import request_video_view
from videoshare.entrypoints.problem_json import validation_failed
from videoshare.usecases.video_edits import delete_video, edit_video

routes = web.RouteTableDef()


@routes.patch("/v1/videos/{video_id}")
async def update(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, UpdateVideoIn)
    edit = body.edit()
    if not body.model_fields_set:
        raise validation_failed(
            [
                {
                    "pointer": "#",
                    "detail": "send at least one of title, description, tags, visibility",
                }
            ]
        )
    video = await edit_video(
        dependencies(request),
        request.match_info["video_id"],
        user.user_id,
        edit,
        request_id(request),
    )
    return json_reply(await request_video_view(request, video), headers=NO_STORE)


@routes.delete("/v1/videos/{video_id}")
async def delete(request: web.Request) -> web.Response:
    user = await require_user(request)
    await delete_video(
        dependencies(request), request.match_info["video_id"], user.user_id, request_id(request)
    )
    return web.Response(status=202, headers=NO_STORE)
