"""Routes of `/v1/notifications`: the caller's inbox, newest first (`usecases/notifications.py`)."""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.schemas import NotificationOut, NotificationPageOut, PageQuery
from videoshare.entrypoints.http.validation import parse_query
from videoshare.usecases.notifications import inbox_page

routes = web.RouteTableDef()


@routes.get("/v1/notifications")
async def inbox(request: web.Request) -> web.Response:
    user = await require_user(request)
    query = parse_query(request, PageQuery)
    notes, cursor = await inbox_page(dependencies(request), user.user_id, query.limit, query.cursor)
    items = [
        NotificationOut(
            id=n.id, type=n.type, video_id=n.video_id, created_at=n.created_at, message=n.message
        )
        for n in notes
    ]
    return json_reply(NotificationPageOut(items=items, next_cursor=cursor), headers=NO_STORE)
