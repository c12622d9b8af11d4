"""The ingress process's open event streams: how many, whose, and the signal that ends them all
at shutdown. Each user and each client address may hold a bounded number at once
(`events_streams_per_user`, `events_streams_per_address`); one more is refused with a 429
problem instead of costing the process a poll loop.

    streams = EventStreams(per_user=10, per_address=20)
    with streams.hold(user_id, address):   # TooManyRequests when either is at its cap
        ...                                # the stream's life

Counted per process: behind a load balancer that spreads streams over n processes, a caller
may hold up to n times the cap in all (each one still bounded).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web

from videoshare.domain.errors import TooManyRequests

# What a refused caller is told to wait before trying again (a stream usually ends within a
# lifetime, `events_max_lifetime_s`).
RETRY_AFTER_S = 5


@dataclass(slots=True)
class EventStreams:
    per_user: int
    per_address: int
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    by_user: Counter[str] = field(default_factory=Counter)
    by_address: Counter[str] = field(default_factory=Counter)
    open: int = 0

    @contextmanager
    def hold(self, user_id: str | None, address: str) -> Iterator[None]:
        """Count one stream for `user_id` (None: anonymous, counted by address only) and
        `address` while the block runs; `TooManyRequests` (nothing counted) over either cap."""
        if user_id is not None and self.by_user[user_id] >= self.per_user:
            raise _refused("your account", self.per_user)
        if self.by_address[address] >= self.per_address:
            raise _refused("your network address", self.per_address)
        if user_id is not None:
            self.by_user[user_id] += 1
        self.by_address[address] += 1
        self.open += 1
        try:
            yield
        finally:
            self.open -= 1
            _forget_one(self.by_address, address)
            if user_id is not None:
                _forget_one(self.by_user, user_id)


def _refused(whose: str, cap: int) -> TooManyRequests:
    return TooManyRequests(
        RETRY_AFTER_S,
        f"Too many open event streams: {whose} already holds {cap}. Close one (or follow the "
        "video by polling GET /v1/videos/{id}) and try again.",
    )


def _forget_one(counts: Counter[str], key: str) -> None:
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]  # no key outlives its last stream


STREAMS = web.AppKey("event_streams", EventStreams)
