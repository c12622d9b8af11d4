"""`TermIndex` in memory, as the metadata-indexer writes it: the terms each searchable video is
found by, and what a query finds (every term matched, newest first), as the index answers."""

from __future__ import annotations

from datetime import datetime

from videoshare.domain.search_terms import Query, searchable, video_terms
from videoshare.domain.video import Video


class FakeSearchIndex:
    def __init__(self) -> None:
        # video id → (its terms, when it was created): what a query can find
        self.entries: dict[str, tuple[frozenset[str], datetime]] = {}
        self.reindexed: list[str] = []  # the video ids `reindex` was asked for, in order

    async def reindex(self, video_id: str, video: Video | None) -> None:
        self.reindexed.append(video_id)
        if video is not None and searchable(video):
            self.entries[video_id] = (video_terms(video), video.created_at)
        else:
            self.entries.pop(video_id, None)

    def found(self, query: Query) -> list[str]:
        """The ids of the videos with every term of `query`, newest first."""
        hits = [
            (created_at, video_id)
            for video_id, (terms, created_at) in self.entries.items()
            if set(query.terms) <= terms
        ]
        return [video_id for _, video_id in sorted(hits, reverse=True)]
