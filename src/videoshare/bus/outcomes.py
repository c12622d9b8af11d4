"""How a handler says what happened to its message.

Return normally: done, the message is deleted.
Raise `RetryLater`: a transient failure; the message comes back after a backoff.
Raise `Reject`: the message can never succeed; it goes to the dead-letter queue now.
Raise `Defer`: not its turn yet (a limit is full, nothing failed); it is sent again to its
queue, delayed, and the original deleted: waiting counts no receive towards the dead-letter
queue's maxReceiveCount, and the consumer goes on with other messages meanwhile.
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


class Defer(Exception):
    def __init__(self, reason: str, *, delay_s: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay_s = delay_s  # SQS delays a message by at most 15 minutes
