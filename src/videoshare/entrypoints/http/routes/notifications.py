"""Routes of `/v1/notifications`: the caller's inbox, newest first."""

from __future__ import annotations

from aiohttp import web

from videoshare.adapters.dynamo import decode_cursor
from videoshare.domain.errors import BadCursor
from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.schemas import NotificationOut, NotificationPageOut, PageQuery
from videoshare.entrypoints.http.validation import parse_query

routes = web.RouteTableDef()


@routes.get("/v1/notifications")
async def inbox(request: web.Request) -> web.Response:
    user = await require_user(request)
    query = parse_query(request, PageQuery)
    start = decode_cursor(query.cursor, {"user_id", "sort_key"})
    if start is not None and start["user_id"].get("S") != user.user_id:
        raise BadCursor("the cursor belongs to another inbox")
    notes, cursor = await dependencies(request).notifications.list(
        user.user_id, query.limit, query.cursor
    )
    items = [
        NotificationOut(
            id=n.id, type=n.type, video_id=n.video_id, created_at=n.created_at, message=n.message
        )
        for n in notes
    ]
    return json_reply(NotificationPageOut(items=items, next_cursor=cursor), headers=NO_STORE)
