"""`TermIndex` in memory: what the metadata-indexer would have indexed (`reindex`), searched
newest first with cursors that name their search."""

from __future__ import annotations

import base64
import json

from videoshare.domain.errors import BadCursor
from videoshare.domain.search_terms import Query, searchable, video_terms
from videoshare.domain.video import Video
from videoshare.usecases.ports import Hits


class FakeTermIndex:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, set[str]]] = {}  # video id → (sort key, terms)
        self.reindexed: list[str] = []  # the video ids `reindex` was asked for, in order

    async def reindex(self, video_id: str, video: Video | None) -> None:
        self.reindexed.append(video_id)
        if video is None or not searchable(video):
            self.entries.pop(video_id, None)
            return
        sort_key = f"{video.created_at.isoformat()}#{video.id}"
        self.entries[video_id] = (sort_key, set(video_terms(video)))

    def found(self, query: Query) -> list[str]:
        """The ids of the videos with every term of `query`, newest first (all pages)."""
        hits = [
            (sort_key, video_id)
            for video_id, (sort_key, terms) in self.entries.items()
            if set(query.terms) <= terms
        ]
        return [video_id for _, video_id in sorted(hits, reverse=True)]

    async def search(self, query: Query, limit: int, cursor: str | None) -> Hits:
        found = sorted(
            (
                (sort_key, video_id)
                for video_id, (sort_key, terms) in self.entries.items()
                if set(query.terms) <= terms
            ),
            reverse=True,
        )
        if cursor is not None:
            after = _decode(cursor, query.lead)
            found = [(key, video_id) for key, video_id in found if key < after]
        page = found[:limit]
        more = len(found) > limit
        return Hits([v for _, v in page], _encode(query.lead, page[-1][0]) if more else None)


def _encode(lead: str, sort_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([lead, sort_key]).encode()).decode()


def _decode(cursor: str, lead: str) -> str:
    try:
        found, sort_key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise BadCursor("the cursor is not one this service gave out") from exc
    if found != lead:
        raise BadCursor("the cursor belongs to another search")
    return str(sort_key)
