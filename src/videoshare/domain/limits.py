"""Fixed windows of the limits (login attempts, uploads per day), and the growing wait between
failed logins. Pure code.

window = Window(length_s=86_400, limit=100)   # at most 100 a UTC day
window.start(now)                             # the window `now` falls in
window.retry_after_s(now)                     # whole seconds until the next one

backoff = Backoff(free=3, base_s=1.0, max_s=300.0)
backoff.delay_s(failures)                     # the wait after that many failures in a row
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` events per `length_s` seconds (windows aligned to the epoch, so a day
    is a UTC day)."""

    length_s: int
    limit: int

    def start(self, now: float) -> int:
        return int(now // self.length_s) * self.length_s

    def retry_after_s(self, now: float) -> int:
        """Whole seconds until this window ends (at least 1)."""
        return max(1, math.ceil(self.start(now) + self.length_s - now))


@dataclass(frozen=True, slots=True)
class Backoff:
    """After `failures` in a row the next attempt waits: nothing for the first `free`, then
    `base_s`, doubling with each failure, at most `max_s`."""

    free: int
    base_s: float
    max_s: float

    def delay_s(self, failures: int) -> float:
        if failures < self.free or failures <= 0:
            return 0.0
        doublings = min(failures - self.free, 64)  # past 64 the cap has long been reached
        return float(min(self.max_s, self.base_s * 2**doublings))


def whole_seconds(wait_s: float) -> int:
    """A wait as a `Retry-After` says it: whole seconds, at least 1."""
    return max(1, math.ceil(wait_s))
