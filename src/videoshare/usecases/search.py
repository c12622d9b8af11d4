"""Search (`GET /v1/videos?q=…&tag=…`), newest first, with the visibility rules of listing.

scope=public  the search index (the `TermIndex` port, written by the metadata-indexer): ready
              public videos only. Each hit is checked against its record before it is shown,
              so an entry the index has not caught up on yet can make a page short, never wrong.
scope=mine    the caller's own videos in any status but deleted, matched against their records
              (an owner's list is small enough to read; at most `MAX_SCANNED` per page).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from videoshare.domain.search_terms import Query, searchable
from videoshare.domain.video import Video, VideoStatus
from videoshare.usecases.ports import TermIndex, VideoStore

MAX_SCANNED = 500
_OWNER_PAGE = 100


class SearchPorts(Protocol):
    @property
    def videos(self) -> VideoStore: ...
    @property
    def search(self) -> TermIndex: ...


async def search_public(
    ports: SearchPorts, query: Query, limit: int, cursor: str | None
) -> tuple[list[Video], str | None]:
    """A page of matching ready public videos; `BadCursor` for a cursor of another search."""
    hits = await ports.search.search(query, limit, cursor)
    videos = await asyncio.gather(*(ports.videos.get(video_id) for video_id in hits.video_ids))
    found = [v for v in videos if v is not None and searchable(v) and query.matches(v)]
    return found, hits.next_cursor


async def search_mine(
    ports: SearchPorts, user_id: str, query: Query, limit: int, cursor: str | None
) -> tuple[list[Video], str | None]:
    """A page of the caller's matching videos; `BadCursor` for a cursor of another listing."""
    found: list[Video] = []
    scanned = 0
    while True:
        page = await ports.videos.list_by_owner(user_id, _OWNER_PAGE, cursor)
        for index, video in enumerate(page.items):
            if video.status is VideoStatus.DELETED or not query.matches(video):
                continue
            found.append(video)
            if len(found) == limit:
                more = index < len(page.items) - 1 or page.next_cursor is not None
                return found, ports.videos.cursor_after(video) if more else None
        scanned += len(page.items)
        if page.next_cursor is None:
            return found, None
        if scanned >= MAX_SCANNED:
            return found, page.next_cursor  # a short page; the cursor carries on from here
        cursor = page.next_cursor
