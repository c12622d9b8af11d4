"""`PendingVideoIndex` in memory, over a `FakeVideoStore`'s records: the videos in a status,
last updated before a time, oldest update first (terminal statuses are never in the index)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from tests.fakes.videos import FakeVideoStore
from videoshare.domain.video import Video, VideoStatus


class FakePendingVideos:
    def __init__(self, videos: FakeVideoStore) -> None:
        self._videos = videos

    async def before(self, status: VideoStatus, before: datetime) -> AsyncIterator[Video]:
        if status.is_terminal:
            return
        found = [
            v for v in self._videos.records.values() if v.status is status and v.updated_at < before
        ]
        for video in sorted(found, key=lambda v: (v.updated_at, v.id)):
            yield video
