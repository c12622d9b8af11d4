"""What a worker is written against: its handlers, what `decode` returns, the consumer's knobs.

`videoshare.bus.runtime` re-exports all of it; import from there.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from videoshare.bus.backoff import MAX_VISIBILITY_S

Handler = Callable[[Any], Awaitable[None]]  # receives the decoded inbound message


class Inbound(Protocol):
    """What `decode` returns; domain events and `S3ObjectsCreated` satisfy it."""

    @property
    def id(self) -> str: ...  # unique per logical message; the idempotency key

    @property
    def type(self) -> str: ...  # chooses the handler

    @property
    def correlation_id(self) -> str: ...


# A body to its message; None: nothing to do (deleted). May raise `Reject`.
Decode = Callable[[str], Inbound | None]
# Called on the last allowed receive of a failing message, before it is dead-lettered.
GiveUpHook = Callable[[Inbound, BaseException], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerConfig:
    name: str  # consumer name, e.g. "transcoder" (logs, idempotency key prefix)
    queue_url: str
    dlq_url: str
    max_in_flight: int = 10
    wait_time_s: int = 20
    # Set on every receive, so the queue's own default does not matter.
    visibility_timeout_s: int = 60
    # The last receive this consumer attempts; match the queue's redrive maxReceiveCount.
    max_receive_count: int = 5
    batch_size: int = 10
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 15 * 60.0
    # None: a third of the visibility timeout.
    heartbeat_interval_s: float | None = None
    # Pause after a failed receive (doubling, up to 30 s, while receives keep failing).
    receive_error_pause_s: float = 1.0
    # After `stop`: how long the messages in flight may go on; then each is cancelled and
    # handed back (visible again at once, its idempotency claim released). 0: at once.
    drain_s: float = 0.0
    # After `stop`: the most any one call may take (a hand-back, a claim's release, a beat
    # already on the wire; a long poll in flight gets this past its wait), so a process whose
    # AWS is unreachable still stops in a bounded time.
    stop_call_timeout_s: float = 2.0

    def __post_init__(self) -> None:
        _check(self.max_in_flight >= 1, "max_in_flight must be at least 1")
        _check(0 <= self.wait_time_s <= 20, "wait_time_s must be within 0..20")
        _check(
            1 <= self.visibility_timeout_s <= MAX_VISIBILITY_S,
            "visibility_timeout_s must be within 1 s..12 h",
        )
        _check(self.max_receive_count >= 1, "max_receive_count must be at least 1")
        _check(1 <= self.batch_size <= 10, "batch_size must be within 1..10")
        _check(0 <= self.backoff_base_s <= self.backoff_cap_s, "need 0 <= backoff base <= cap")
        _check(
            self.heartbeat_interval_s is None
            or 0 < self.heartbeat_interval_s < self.visibility_timeout_s,
            "heartbeat_interval_s must be positive and shorter than the visibility timeout",
        )
        _check(self.receive_error_pause_s > 0, "receive_error_pause_s must be positive")
        _check(self.drain_s >= 0, "drain_s must not be negative")
        _check(self.stop_call_timeout_s > 0, "stop_call_timeout_s must be positive")

    @property
    def queue_name(self) -> str:
        return self.queue_url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def heartbeat_every_s(self) -> float:
        return self.heartbeat_interval_s or self.visibility_timeout_s / 3

    @property
    def claim_lease_s(self) -> int:
        """How long an idempotency claim lives unless extended: one heartbeat shorter than the
        visibility timeout, so a killed owner's claim has lapsed by the time its message is
        visible again, and the redelivery runs instead of finding it "held elsewhere"."""
        return max(1, math.floor(self.visibility_timeout_s - self.heartbeat_every_s))

    @property
    def stop_bound_s(self) -> float:
        """The longest `Consumer.run` takes to return once `stop` is set, AWS reachable or not:
        the drain, then a message's way out (its claim's heartbeat, the claim's release, its
        visibility heartbeat, the hand-back), each call bounded; the long poll in flight ends
        meanwhile."""
        settle = self.drain_s + 4 * self.stop_call_timeout_s
        return max(settle, self.wait_time_s + self.stop_call_timeout_s)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(f"ConsumerConfig: {message}")
