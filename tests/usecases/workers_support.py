"""Helpers of the workers' use-case tests: video records as the ingress writes them, stored in
the fakes, and a video store where another writer gets in between a read and the write."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.fakes.videos import FakeVideoStore
from tests.fakes.workers import WorkerFakes
from videoshare.domain import keys
from videoshare.domain.events import utc_now
from videoshare.domain.video import Video, VideoStatus, Visibility

OWNER = "owner-7f3c"


def new_video(**overrides: Any) -> Video:
    """A record as the ingress writes it, then `overrides`."""
    video_id = uuid.uuid4().hex
    now = utc_now()
    fields: dict[str, Any] = {
        "id": video_id,
        "owner_id": OWNER,
        "title": "Sunset over the harbour",
        "visibility": Visibility.PUBLIC,
        "created_at": now,
        "updated_at": now,
        "filename": "sunset.mp4",
        "content_type": "video/mp4",
        "declared_size_bytes": 1000,
        "source_key": keys.source_key(video_id),
        "upload_expires_at": now + timedelta(hours=1),
        "correlation_id": f"req-{uuid.uuid4().hex[:12]}",
        "status": VideoStatus.AWAITING_UPLOAD,
    }
    fields.update(overrides)
    return Video.model_validate(fields)


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
