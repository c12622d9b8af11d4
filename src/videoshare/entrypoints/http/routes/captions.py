"""Captions (`usecases/captions.py`): the owner adds, lists and removes them; players read them.

    PUT    /v1/videos/{id}/captions/{language}?label=…    the file is the body (WebVTT or SRT)
    GET    /v1/videos/{id}/captions                       the video's captions
    DELETE /v1/videos/{id}/captions/{language}

Players read them through the playback routes (`routes/playback.py`): the WebVTT for a
`<track>`, and the HLS subtitle playlists the master links.
"""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import optional_user, require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.middleware.request_id import request_id
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.schemas import CaptionListOut, CaptionQuery
from videoshare.entrypoints.http.validation import parse_query, read_file_body
from videoshare.entrypoints.http.views import caption_view, playback_links
from videoshare.usecases.captions import add_captions, remove_captions
from videoshare.usecases.videos import readable_video

routes = web.RouteTableDef()

_LANGUAGE = "{language:[A-Za-z0-9-]{1,64}}"
_CAPTIONS = "/v1/videos/{video_id}/captions"


@routes.put(f"{_CAPTIONS}/{_LANGUAGE}")
async def put_captions(request: web.Request) -> web.Response:
    user = await require_user(request)
    query = parse_query(request, CaptionQuery)
    deps = dependencies(request)
    data = await read_file_body(request, deps.settings.max_caption_bytes)
    video, caption = await add_captions(
        deps,
        request.match_info["video_id"],
        user.user_id,
        request.match_info["language"],
        query.label,
        data,
        request_id(request),
    )
    view = caption_view(video, caption.language, caption.label, playback_links(request))
    return json_reply(view, headers=NO_STORE)


@routes.get(_CAPTIONS)
async def get_captions(request: web.Request) -> web.Response:
    user = await optional_user(request)
    deps = dependencies(request)
    user_id = user.user_id if user else None
    video_id = request.match_info["video_id"]
    video = await readable_video(deps, video_id, user_id)
    links = playback_links(request)
    items = [caption_view(video, c.language, c.label, links) for c in video.captions]
    return json_reply(CaptionListOut(items=items), headers=NO_STORE)


@routes.delete(f"{_CAPTIONS}/{_LANGUAGE}")
async def delete_captions(request: web.Request) -> web.Response:
    user = await require_user(request)
    await remove_captions(
        dependencies(request),
        request.match_info["video_id"],
        user.user_id,
        request.match_info["language"],
        request_id(request),
    )
    return web.Response(status=204, headers=NO_STORE)
