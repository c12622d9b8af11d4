"""Helpers of the workers' use-case tests: video records as the ingress writes them, stored in
the fakes, and a video store where another writer gets in between a read and the write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakes.videos import FakeVideoStore
from tests.fakes.workers import WorkerFakes
from tests.records import new_video
from videoshare.domain.video import Video


async def store_video(fakes: WorkerFakes, **overrides: Any) -> Video:
    video = new_video(**overrides)
    await fakes.videos.create(video)
    return video


def stored(fakes: WorkerFakes, video_id: str) -> Video:
    return fakes.videos.records[video_id]


class InterferingVideoStore(FakeVideoStore):
    """A `FakeVideoStore` where, once, another writer changes a record right after a use case
    read it (`interfere_after_get`): the use case's conditional write then loses the race."""

    def __init__(self) -> None:
        super().__init__()
        self._interference: Callable[[Video], Video] | None = None

    def interfere_after_get(self, change: Callable[[Video], Video]) -> None:
        self._interference = change

    async def get(self, video_id: str) -> Video | None:
        video = await super().get(video_id)
        if video is not None and self._interference is not None:
            change, self._interference = self._interference, None
            await self.save(change(video), expected=video)
        return video
