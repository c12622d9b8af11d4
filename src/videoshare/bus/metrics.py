"""Prometheus metrics of the consumer runtime, fed by its seams (`on_received`, `on_settled`).

    metrics = ConsumerMetrics(registry)
    consumer = Consumer(..., on_received=metrics.received, on_settled=metrics.settled)
    metrics.watch_in_flight(consumer)

Every series is labelled by `queue` (the consumer's queue name); those about one message also
by `event_type` ("-" when the body did not decode: a label must never come from the body's raw
text, or a stream of garbage would make unbounded series). Outcomes are the runtime's own
(done / retry / rejected / gave_up / duplicate / skipped); "retried" and "rejected" are
`videoshare_messages_settled_total{outcome="retry"|"rejected"}`.

Each process has its own `CollectorRegistry` (no global state, so tests can build several).
"""

from __future__ import annotations

from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from videoshare.bus.settlement import Outcome, Settlement

UNDECODED = "-"
# Handler durations: a notification takes milliseconds, a transcode minutes.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)


class HasInFlight(Protocol):
    @property
    def in_flight(self) -> int: ...


class ConsumerMetrics:
    """The runtime's series for one consumer process, registered in `registry`."""

    def __init__(self, registry: CollectorRegistry, queue: str) -> None:
        self.queue = queue
        self._received = Counter(
            "videoshare_messages_received",
            "Messages received from the queue (each delivery, redeliveries included).",
            ["queue"],
            registry=registry,
        )
        self._settled = Counter(
            "videoshare_messages_settled",
            "Messages settled, by outcome (done, retry, rejected, gave_up, duplicate, skipped, "
            "deferred).",
            ["queue", "event_type", "outcome"],
            registry=registry,
        )
        self._duration = Histogram(
            "videoshare_message_duration_seconds",
            "Time from receiving a message to settling it (handler included).",
            ["queue", "event_type"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self._in_flight = Gauge(
            "videoshare_messages_in_flight",
            "Messages being handled by this process now.",
            ["queue"],
            registry=registry,
        )
        self._dlq_depth = Gauge(
            "videoshare_dead_letter_messages",
            "Messages in the queue's dead-letter queue, as last sampled (-1: sampling failed).",
            ["queue"],
            registry=registry,
        )
        for outcome in Outcome:  # every outcome shows, at 0, before it first happens
            self._settled.labels(queue, UNDECODED, outcome.value)
        self._received.labels(queue)

    def received(self, count: int) -> None:
        self._received.labels(self.queue).inc(count)

    def settled(self, settlement: Settlement) -> None:
        event_type = settlement.event_type or UNDECODED
        self._settled.labels(self.queue, event_type, settlement.outcome.value).inc()
        self._duration.labels(self.queue, event_type).observe(settlement.duration_s)

    def watch_in_flight(self, consumer: HasInFlight) -> None:
        """The in-flight gauge reads `consumer.in_flight` whenever it is scraped."""
        self._in_flight.labels(self.queue).set_function(lambda: consumer.in_flight)

    def dead_letter_depth(self, depth: int) -> None:
        self._dlq_depth.labels(self.queue).set(depth)
