"""`ProcessingSlots` in memory: each owner's slots, keyed by video, with their expiry."""

from __future__ import annotations


class FakeProcessingSlots:
    def __init__(self) -> None:
        self.slots: dict[str, dict[str, float]] = {}  # owner → video → when its slot lapses

    async def take(
        self, owner_id: str, video_id: str, *, limit: int, now: float, ttl_s: float
    ) -> bool:
        held = self.slots.setdefault(owner_id, {})
        if video_id not in held and len(held) >= limit:
            for lapsed in [v for v, expiry in held.items() if expiry <= now]:
                del held[lapsed]
            if len(held) >= limit:
                return False
        held[video_id] = int(now + ttl_s)
        return True

    async def release(self, owner_id: str, video_id: str) -> None:
        self.slots.get(owner_id, {}).pop(video_id, None)

    async def forget(self, owner_id: str) -> None:
        self.slots.pop(owner_id, None)

    async def held(self, owner_id: str, now: float) -> int:
        return sum(1 for expiry in self.slots.get(owner_id, {}).values() if expiry > now)
