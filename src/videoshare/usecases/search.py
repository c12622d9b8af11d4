"""`GET /v1/videos?q=…&tag=…`: search, newest first, with the visibility rules of listing.

scope=public  the search index (`adapters/search.py`, written by the metadata-indexer): ready
              public videos only. Each hit is checked against its record before it is shown,
              so an entry the index has not caught up on yet can make a page short, never wrong.
scope=mine    the caller's own videos in any status but deleted, matched against their records
              (an owner's list is small enough to read; at most `MAX_SCANNED` per page).
"""

from __future__ import annotations

import asyncio

from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import decode_cursor
from videoshare.adapters.videos import owner_cursor
from videoshare.bootstrap import Dependencies
from videoshare.domain.errors import BadCursor
from videoshare.domain.search_terms import BadQuery, Query, parse_query, searchable
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.http.problems import validation_failed

MAX_SCANNED = 500
_OWNER_PAGE = 100


def search_query(q: str | None, tag: str | None) -> Query | None:
    """The search asked for, None when the request is a plain listing; 422 when it is unusable."""
    if q is None and tag is None:
        return None
    try:
        return parse_query(q, tag)
    except BadQuery as exc:
        raise validation_failed([{"parameter": exc.parameter, "detail": exc.detail}]) from None


async def search_public(
    svc: Dependencies, query: Query, limit: int, cursor: str | None
) -> tuple[list[Video], str | None]:
    try:
        hits = await svc.search.search(query, limit, cursor)
    except ClientError as exc:
        raise _refused_cursor(exc, cursor) from exc
    videos = await asyncio.gather(*(svc.videos.get(video_id) for video_id in hits.video_ids))
    found = [v for v in videos if v is not None and searchable(v) and query.matches(v)]
    return found, hits.next_cursor


async def search_mine(
    svc: Dependencies, user_id: str, query: Query, limit: int, cursor: str | None
) -> tuple[list[Video], str | None]:
    start = decode_cursor(cursor, {"id", "owner_id", "created_key"})
    if start is not None and start["owner_id"].get("S") != user_id:
        raise BadCursor("the cursor belongs to another listing")
    found: list[Video] = []
    scanned = 0
    while True:
        try:
            page = await svc.videos.list_by_owner(user_id, _OWNER_PAGE, cursor)
        except ClientError as exc:
            raise _refused_cursor(exc, cursor) from exc
        for index, video in enumerate(page.items):
            if video.status is VideoStatus.DELETED or not query.matches(video):
                continue
            found.append(video)
            if len(found) == limit:
                more = index < len(page.items) - 1 or page.next_cursor is not None
                return found, owner_cursor(video) if more else None
        scanned += len(page.items)
        if page.next_cursor is None:
            return found, None
        if scanned >= MAX_SCANNED:
            return found, page.next_cursor  # a short page; the cursor carries on from here
        cursor = page.next_cursor


def _refused_cursor(exc: ClientError, cursor: str | None) -> Exception:
    """DynamoDB refusing a start key we decoded means the cursor was not one of ours."""
    if cursor and exc.response.get("Error", {}).get("Code") == "ValidationException":
        return BadCursor("the cursor is not one this service gave out")
    return exc
