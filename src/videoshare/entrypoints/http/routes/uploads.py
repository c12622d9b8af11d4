"""Uploads after `POST /v1/videos` (`usecases/uploads.py`):

    GET  /v1/videos/{id}/upload              a fresh Upload, plus the parts S3 holds already
    POST /v1/videos/{id}/upload/complete     joins the parts; S3's ObjectCreated starts the rest

A multipart Upload lists a presigned UploadPart URL per part; the client PUTs each part, keeps
each answer's `ETag` (the bucket's CORS rule exposes it to browsers) and sends the list to
`…/upload/complete`. An interrupted client asks `GET …/upload` which parts arrived and sends
the rest.
"""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.schemas import CompleteUploadIn
from videoshare.entrypoints.http.validation import parse_body
from videoshare.entrypoints.http.views import resumed_view
from videoshare.usecases.uploads import complete_upload, resume_upload

routes = web.RouteTableDef()


@routes.get("/v1/videos/{video_id}/upload")
async def resume(request: web.Request) -> web.Response:
    user = await require_user(request)
    resumed = await resume_upload(
        dependencies(request), request.match_info["video_id"], user.user_id
    )
    return json_reply(resumed_view(resumed), headers=NO_STORE)


@routes.post("/v1/videos/{video_id}/upload/complete")
async def complete(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, CompleteUploadIn)
    await complete_upload(
        dependencies(request),
        request.match_info["video_id"],
        user.user_id,
        [(p.part_number, p.etag) for p in body.parts],
    )
    return web.Response(status=202, headers=NO_STORE)
