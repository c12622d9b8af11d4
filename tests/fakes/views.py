"""`ViewCounter` in memory: once per viewer, video and hour; `flush()` adds what was counted
to the records of a `FakeVideoStore`, as the adapter's batches do."""

from __future__ import annotations

from collections import Counter

from tests.fakes.videos import FakeVideoStore

HOUR_S = 3600


class FakeViewCounter:
    def __init__(self, videos: FakeVideoStore) -> None:
        self.videos = videos
        self.seen: set[tuple[str, str, int]] = set()
        self.pending: Counter[str] = Counter()

    def counted_here(self, video_id: str, viewer: str, now: float) -> bool:
        return (video_id, viewer, int(now // HOUR_S)) in self.seen

    async def count(self, video_id: str, viewer: str, now: float) -> bool:
        marker = (video_id, viewer, int(now // HOUR_S))
        if marker in self.seen:
            return False
        self.seen.add(marker)
        self.pending[video_id] += 1
        return True

    async def flush(self) -> int:
        batch, self.pending = self.pending, Counter()
        for video_id, views in batch.items():
            self.videos.add_views(video_id, views)
        return sum(batch.values())
