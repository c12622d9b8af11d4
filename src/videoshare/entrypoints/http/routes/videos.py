"""Routes of `/v1/videos`: parse, authorise, call `video_service`, shape the answer."""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import optional_user, require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.limits import take_upload_quota
from videoshare.entrypoints.http.middleware.request_id import request_id
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.routes.playback import playback_links
from videoshare.entrypoints.http.schemas import (
    CreatedVideoOut,
    CreateVideoIn,
    DownloadQuery,
    ListVideosQuery,
    VideoPageOut,
)
from videoshare.entrypoints.http.validation import parse_body, parse_query
from videoshare.entrypoints.http.views import video_view
from videoshare.usecases.search import search_mine, search_public, search_query
from videoshare.usecases.upload_urls import upload_out
from videoshare.usecases.videos import (
    create_video,
    download_of,
    list_mine,
    list_public,
    readable_video,
)

routes = web.RouteTableDef()


@routes.post("/v1/videos")
async def create(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, CreateVideoIn)
    await take_upload_quota(request, user.user_id, body)
    svc = dependencies(request)
    video, upload = await create_video(svc, user.user_id, body, request_id(request))
    out = CreatedVideoOut(
        video=await video_view(
            video, svc.storage, svc.settings.download_url_ttl_s, playback_links(request)
        ),
        upload=upload_out(upload),
    )
    return json_reply(out, status=201, headers={"Location": f"/v1/videos/{video.id}", **NO_STORE})


@routes.get("/v1/videos")
async def list_(request: web.Request) -> web.Response:
    query = parse_query(request, ListVideosQuery)
    search = search_query(query.q, query.tag)
    svc = dependencies(request)
    if query.scope == "mine":
        user = await require_user(request)
        if search:
            items, cursor = await search_mine(svc, user.user_id, search, query.limit, query.cursor)
        else:
            items, cursor = await list_mine(svc, user.user_id, query.limit, query.cursor)
    else:
        await optional_user(request)  # a bad token is refused even where none is needed
        if search:
            items, cursor = await search_public(svc, search, query.limit, query.cursor)
        else:
            items, cursor = await list_public(svc, query.limit, query.cursor)
    ttl = svc.settings.download_url_ttl_s
    links = playback_links(request)
    out = VideoPageOut(
        items=[await video_view(v, svc.storage, ttl, links) for v in items], next_cursor=cursor
    )
    return json_reply(out, headers=NO_STORE)


@routes.get("/v1/videos/{video_id}")
async def get(request: web.Request) -> web.Response:
    user = await optional_user(request)
    svc = dependencies(request)
    video = await readable_video(
        svc, request.match_info["video_id"], user.user_id if user else None
    )
    out = await video_view(
        video, svc.storage, svc.settings.download_url_ttl_s, playback_links(request)
    )
    return json_reply(out, headers=NO_STORE)


@routes.get("/v1/videos/{video_id}/download")
async def download(request: web.Request) -> web.Response:
    query = parse_query(request, DownloadQuery)
    user = await optional_user(request)
    user_id = user.user_id if user else None
    svc = dependencies(request)
    video = await readable_video(svc, request.match_info["video_id"], user_id)
    target = download_of(video, query.rendition, user_id)
    url = await svc.storage.presign_download(
        target.key, target.filename, svc.settings.download_url_ttl_s
    )
    return web.Response(status=302, headers={"Location": url, **NO_STORE})
