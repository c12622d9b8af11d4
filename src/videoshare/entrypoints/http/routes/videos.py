"""Routes of `/v1/videos`: parse, authenticate, call a use case (`usecases/videos.py`,
`search.py`, `downloads.py`), shape the answer."""

from __future__ import annotations

import time

from aiohttp import web

from videoshare.domain.search_terms import BadQuery, Query, parse_query
from videoshare.entrypoints.http.bearer import optional_user, require_user
from videoshare.entrypoints.http.client_address import request_client_address
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.middleware.request_id import request_id
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.schemas import (
    CreatedVideoOut,
    CreateVideoIn,
    DownloadQuery,
    ListVideosQuery,
    VideoPageOut,
)
from videoshare.entrypoints.http.validation import parse_body
from videoshare.entrypoints.http.validation import parse_query as parse_query_string
from videoshare.entrypoints.http.views import (
    playback_links,
    request_video_view,
    upload_view,
    video_view,
)
from videoshare.entrypoints.problem_json import validation_failed
from videoshare.usecases.accounts import display_name_of
from videoshare.usecases.downloads import SourceDownload, download_of, source_url
from videoshare.usecases.imports import NewImport, request_import
from videoshare.usecases.search import search_mine, search_public
from videoshare.usecases.videos import (
    NewVideo,
    create_video,
    list_mine,
    list_public,
    readable_video,
)
from videoshare.usecases.views import record_view

routes = web.RouteTableDef()


@routes.post("/v1/videos")
async def create(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, CreateVideoIn)
    svc = dependencies(request)
    owner_display_name = await display_name_of(svc, user.access_token)
    upload = None
    if body.source_url is not None:
        imported = NewImport(
            title=body.title,
            description=body.description,
            tags=body.tags,
            visibility=body.visibility,
            source_url=body.source_url,
        )
        video = await request_import(
            svc,
            user.user_id,
            imported,
            request_id(request),
            time.time(),
            owner_display_name=owner_display_name,
        )
    else:
        new = NewVideo(  # the model holds all three when there is no `source_url`
            title=body.title,
            description=body.description,
            tags=body.tags,
            visibility=body.visibility,
            filename=body.filename or "",
            content_type=body.content_type or "",
            size_bytes=body.size_bytes or 0,
        )
        video, upload = await create_video(
            svc,
            user.user_id,
            new,
            request_id(request),
            time.time(),
            owner_display_name=owner_display_name,
        )
    view = await request_video_view(request, video)
    out = CreatedVideoOut(video=view, upload=upload_view(upload) if upload else None)
    return json_reply(out, status=201, headers={"Location": f"/v1/videos/{video.id}", **NO_STORE})


@routes.get("/v1/videos")
async def list_(request: web.Request) -> web.Response:
    query = parse_query_string(request, ListVideosQuery)
    search = _search_query(query.q, query.tag)
    if query.sort == "views" and (search or query.scope == "mine"):
        raise validation_failed(
            [
                {
                    "parameter": "sort",
                    "detail": "`sort=views` orders the public feed; leave out `q`, `tag` and "
                    "`scope=mine`, or sort by `newest`.",
                }
            ]
        )
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
            items, cursor = await list_public(
                svc, query.limit, query.cursor, most_viewed=query.sort == "views"
            )
    ttl, links = svc.settings.download_url_ttl_s, playback_links(request)
    out = VideoPageOut(
        items=[await video_view(v, svc.media_urls, ttl, links) for v in items], next_cursor=cursor
    )
    return json_reply(out, headers=NO_STORE)


@routes.get("/v1/videos/{video_id}")
async def get(request: web.Request) -> web.Response:
    user = await optional_user(request)
    video = await readable_video(
        dependencies(request), request.match_info["video_id"], user.user_id if user else None
    )
    return json_reply(await request_video_view(request, video), headers=NO_STORE)


@routes.post("/v1/videos/{video_id}/views")
async def view(request: web.Request) -> web.Response:
    """Playback started: one view, at most once per viewer, video and hour."""
    user = await optional_user(request)
    svc = dependencies(request)
    await record_view(
        svc,
        request.match_info["video_id"],
        user.user_id if user else None,
        request_client_address(request, svc.settings),
        time.time(),
    )
    return web.Response(status=202)


@routes.get("/v1/videos/{video_id}/download")
async def download(request: web.Request) -> web.Response:
    query = parse_query_string(request, DownloadQuery)
    user = await optional_user(request)
    deps = dependencies(request)
    chosen = await download_of(
        deps, request.match_info["video_id"], query.rendition, user.user_id if user else None
    )
    if isinstance(chosen, SourceDownload):
        url = await source_url(deps, request.match_info["video_id"], chosen)
    else:  # streamed by the ingress (`routes/renditions.py`), with a token to carry
        url = playback_links(request).rendition(chosen.video, chosen.rendition)
    return web.Response(status=302, headers={"Location": url, **NO_STORE})


def _search_query(q: str | None, tag: str | None) -> Query | None:
    """The search asked for, None when the request is a plain listing; 422 when unusable."""
    if q is None and tag is None:
        return None
    try:
        return parse_query(q, tag)
    except BadQuery as exc:
        raise validation_failed([{"parameter": exc.parameter, "detail": exc.detail}]) from None
