"""`Counters` in memory: one count per key and window, as the DynamoDB items are."""

from __future__ import annotations

from videoshare.domain.limits import Window


class FakeCounters:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def hits(self, key: str, window: Window, now: float) -> int:
        return self.counts.get(_item_key(key, window, now), 0)

    async def add(self, key: str, window: Window, now: float) -> int:
        item = _item_key(key, window, now)
        self.counts[item] = self.counts.get(item, 0) + 1
        return self.counts[item]

    async def take(self, key: str, window: Window, now: float, amount: int = 1) -> bool:
        item = _item_key(key, window, now)
        if self.counts.get(item, 0) >= window.limit:
            return False
        self.counts[item] = self.counts.get(item, 0) + amount
        return True

    async def clear(self, key: str, window: Window, now: float) -> None:
        self.counts.pop(_item_key(key, window, now), None)


def _item_key(key: str, window: Window, now: float) -> str:
    return f"{key}#{window.start(now)}"
