"""Fixed windows of the limits (login attempts, uploads per day). Pure code.

window = Window(length_s=86_400, limit=100)   # at most 100 a UTC day
window.start(now)                             # the window `now` falls in
window.retry_after_s(now)                     # whole seconds until the next one
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
