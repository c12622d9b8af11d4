"""`StorageQuota` in memory: each owner's reservations, keyed by video, as the DynamoDB item."""

from __future__ import annotations


class FakeStorageQuota:
    def __init__(self) -> None:
        self.reservations: dict[str, dict[str, int]] = {}  # owner → video → bytes

    async def reserve(
        self, owner_id: str, video_id: str, size_bytes: int, quota_bytes: int
    ) -> bool:
        held = self.reservations.setdefault(owner_id, {})
        if video_id in held or sum(held.values()) + size_bytes > quota_bytes:
            return False
        held[video_id] = size_bytes
        return True

    async def release(self, owner_id: str, video_id: str) -> None:
        self.reservations.get(owner_id, {}).pop(video_id, None)

    async def forget(self, owner_id: str) -> None:
        self.reservations.pop(owner_id, None)

    async def reserved_bytes(self, owner_id: str) -> int:
        return sum(self.reservations.get(owner_id, {}).values())
