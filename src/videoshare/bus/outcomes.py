"""How a handler says what happened to its message.

Return normally: done, the message is deleted.
Raise `RetryLater`: a transient failure; the message comes back after a backoff.
Raise `Reject`: the message can never succeed; it goes to the dead-letter queue now.
Any other exception counts as `RetryLater` with the default backoff.
"""

from __future__ import annotations


class RetryLater(Exception):
    def __init__(self, reason: str, *, delay_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        # None: the runtime's exponential backoff with jitter decides.
        self.delay_s = delay_s


class Reject(Exception):
    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
