"""`VideoStore` in memory: conditional writes on version and status, listings newest first."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from videoshare.domain.errors import BadCursor, VideoConflict, VideoExists
from videoshare.domain.events import utc_now
from videoshare.domain.video import Video, VideoStatus, Visibility
from videoshare.usecases.ports import Page


class FakeVideoStore:
    def __init__(self) -> None:
        self.records: dict[str, Video] = {}
        self.writes = 0

    async def create(self, video: Video) -> None:
        if video.id in self.records:
            raise VideoExists(f"a video {video.id} exists already")
        self.records[video.id] = video
        self.writes += 1

    async def get(self, video_id: str) -> Video | None:
        return self.records.get(video_id)

    async def save(self, changed: Video, *, expected: Video) -> Video:
        if changed.id != expected.id or changed.version != expected.version:
            raise ValueError("`changed` must be made from `expected`")
        current = self.records.get(expected.id)
        if (
            current is None
            or current.version != expected.version
            or current.status is not expected.status
            or current.views != expected.views  # views added since the read
        ):
            raise VideoConflict(f"video {expected.id} changed since it was read")
        written = changed.model_copy(
            update={"version": expected.version + 1, "updated_at": utc_now()}
        )
        self.records[written.id] = written
        self.writes += 1
        return written

    async def list_by_owner(self, owner_id: str, limit: int, cursor: str | None) -> Page:
        return self._page(f"owner:{owner_id}", lambda v: v.owner_id == owner_id, limit, cursor)

    async def list_public(self, limit: int, cursor: str | None) -> Page:
        return self._page("public", _in_feed, limit, cursor)

    async def remove(self, video_id: str) -> None:
        self.records.pop(video_id, None)

    async def list_popular(self, limit: int, cursor: str | None) -> Page:
        return self._page("popular", _in_feed, limit, cursor, by_views=True)

    def add_views(self, video_id: str, views: int) -> None:
        """What the view counter's flush does: views added, the version untouched."""
        if video_id in self.records:
            video = self.records[video_id]
            self.records[video_id] = video.model_copy(update={"views": video.views + views})

    def cursor_after(self, video: Video) -> str:
        return _encode(f"owner:{video.owner_id}", video.id)

    def _page(
        self,
        listing: str,
        wanted: Callable[[Video], bool],
        limit: int,
        cursor: str | None,
        *,
        by_views: bool = False,
    ) -> Page:
        ordered = sorted(
            (v for v in self.records.values() if wanted(v)),
            key=lambda v: (v.views, v.id) if by_views else (v.created_at, v.id),
            reverse=True,
        )
        start = 0
        if cursor is not None:
            after = _decode(cursor, listing)
            start = next((i + 1 for i, v in enumerate(ordered) if v.id == after), len(ordered))
        items = ordered[start : start + limit]
        more = start + limit < len(ordered)
        return Page(items, _encode(listing, items[-1].id) if more and items else None)


def _in_feed(video: Video) -> bool:
    return video.status is VideoStatus.READY and video.visibility is Visibility.PUBLIC


def _encode(listing: str, video_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([listing, video_id]).encode()).decode()


def _decode(cursor: str, listing: str) -> str:
    try:
        found, video_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:  # not base64 JSON, or not a pair
        raise BadCursor("the cursor is not one this service gave out") from exc
    if found != listing:
        raise BadCursor("the cursor belongs to another listing")
    return str(video_id)
