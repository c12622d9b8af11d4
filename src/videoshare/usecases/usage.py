"""What an owner's videos take: how many (deleted ones aside) and their bytes, measured once
known, declared before (for `GET /v1/me` and the storage quota)."""

from __future__ import annotations

from dataclasses import dataclass

from videoshare.domain.video import VideoStatus
from videoshare.usecases.ports import VideoStore

_PAGE = 100


@dataclass(frozen=True, slots=True)
class Usage:
    videos: int
    bytes: int


async def usage_of(videos: VideoStore, owner_id: str) -> Usage:
    """Every page of the owner's listing, summed."""
    count = total = 0
    cursor: str | None = None
    while True:
        page = await videos.list_by_owner(owner_id, _PAGE, cursor)
        for video in page.items:
            if video.status is not VideoStatus.DELETED:
                count += 1
                total += (
                    video.size_bytes if video.size_bytes is not None else video.declared_size_bytes
                )
        cursor = page.next_cursor
        if cursor is None:
            return Usage(videos=count, bytes=total)
