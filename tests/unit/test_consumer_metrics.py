"""The consumer's Prometheus series, fed through the runtime's seams."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from videoshare.bus.metrics import UNDECODED, ConsumerMetrics
from videoshare.bus.settlement import Outcome, Settlement

QUEUE = "t-1-notifier"


def settlement(outcome: Outcome, event_type: str | None = "video.ready") -> Settlement:
    return Settlement(
        consumer="notifier", outcome=outcome, attempt=1, duration_s=0.02, event_type=event_type
    )


class FakeConsumer:
    in_flight = 3


def test_outcomes_are_counted_by_queue_event_type_and_outcome() -> None:
    registry = CollectorRegistry()
    metrics = ConsumerMetrics(registry, QUEUE)
    metrics.received(10)
    for outcome in (Outcome.DONE, Outcome.DONE, Outcome.RETRY, Outcome.REJECTED):
        metrics.settled(settlement(outcome))
    metrics.settled(settlement(Outcome.REJECTED, event_type=None))

    def settled(event_type: str, outcome: Outcome) -> float | None:
        return registry.get_sample_value(
            "videoshare_messages_settled_total",
            {"queue": QUEUE, "event_type": event_type, "outcome": outcome.value},
        )

    assert registry.get_sample_value("videoshare_messages_received_total", {"queue": QUEUE}) == 10
    assert settled("video.ready", Outcome.DONE) == 2
    assert settled("video.ready", Outcome.RETRY) == 1
    assert settled("video.ready", Outcome.REJECTED) == 1
    assert settled(UNDECODED, Outcome.REJECTED) == 1
    assert settled(UNDECODED, Outcome.GAVE_UP) == 0  # shown before it ever happens
    count = registry.get_sample_value(
        "videoshare_message_duration_seconds_count", {"queue": QUEUE, "event_type": "video.ready"}
    )
    assert count == 4


def test_in_flight_is_read_at_scrape_time_and_dlq_depth_is_what_was_sampled() -> None:
    registry = CollectorRegistry()
    metrics = ConsumerMetrics(registry, QUEUE)
    consumer = FakeConsumer()
    metrics.watch_in_flight(consumer)
    assert registry.get_sample_value("videoshare_messages_in_flight", {"queue": QUEUE}) == 3
    consumer.in_flight = 0
    assert registry.get_sample_value("videoshare_messages_in_flight", {"queue": QUEUE}) == 0
    metrics.dead_letter_depth(7)
    text = generate_latest(registry).decode()
    assert f'videoshare_dead_letter_messages{{queue="{QUEUE}"}} 7.0' in text
