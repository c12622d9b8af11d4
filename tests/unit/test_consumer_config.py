"""The consumer's knobs are checked when made; a received message is read the same way always."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from videoshare.bus.runtime import ConsumerConfig, Outcome
from videoshare.bus.settlement import ReceivedMessage

URL = "http://127.0.0.1:4566/000000000000/vs-transcoder"


def config(**overrides: Any) -> ConsumerConfig:
    return ConsumerConfig(
        **{"name": "transcoder", "queue_url": URL, "dlq_url": URL + "-dlq"} | overrides
    )


def test_defaults_follow_the_design() -> None:
    defaults = config()
    assert defaults.wait_time_s == 20
    assert defaults.batch_size == 10
    assert defaults.max_in_flight == 10
    assert defaults.queue_name == "vs-transcoder"
    assert defaults.heartbeat_every_s == pytest.approx(20.0)  # a third of 60 s


def test_an_explicit_heartbeat_interval_wins() -> None:
    assert config(heartbeat_interval_s=5).heartbeat_every_s == 5


@pytest.mark.parametrize(("visibility", "heartbeat"), [(30, None), (6, None), (30, 25)])
def test_a_claim_lapses_before_its_message_is_visible_again(
    visibility: int, heartbeat: float | None
) -> None:
    """A killed owner stops extending both at its last beat: its claim must be gone by the time
    its message is visible again (the claim's own heartbeat, a third of it, keeps it alive
    while the owner lives)."""
    knobs = config(visibility_timeout_s=visibility, heartbeat_interval_s=heartbeat)
    assert 1 <= knobs.claim_lease_s <= visibility - knobs.heartbeat_every_s


def test_the_stop_bound_covers_the_drain_and_the_last_poll() -> None:
    drained = config(drain_s=15, stop_call_timeout_s=2, wait_time_s=20)
    assert drained.stop_bound_s == 15 + 4 * 2  # then every call on a message's way out
    polled = config(drain_s=0, stop_call_timeout_s=2, wait_time_s=20)
    assert polled.stop_bound_s == 20 + 2  # the long poll in flight, given its wait


@pytest.mark.parametrize(
    "overrides",
    [
        {"max_in_flight": 0},
        {"wait_time_s": 21},
        {"visibility_timeout_s": 0},
        {"visibility_timeout_s": 12 * 3600 + 1},
        {"max_receive_count": 0},
        {"batch_size": 11},
        {"backoff_base_s": 10, "backoff_cap_s": 5},
        {"heartbeat_interval_s": 60},
        {"receive_error_pause_s": 0},
        {"drain_s": -1},
        {"stop_call_timeout_s": 0},
    ],
)
def test_impossible_settings_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="ConsumerConfig"):
        config(**overrides)


def test_an_sqs_message_becomes_a_received_message() -> None:
    received = ReceivedMessage.of(
        {
            "MessageId": "m-1",
            "ReceiptHandle": "r-1",
            "Body": "{}",
            "Attributes": {"ApproximateReceiveCount": "3"},
            "MessageAttributes": {"event_type": {"DataType": "String", "StringValue": "x"}},
        }
    )
    assert received.attempt == 3
    assert received.receipt_handle == "r-1"
    assert received.attributes["event_type"]["StringValue"] == "x"


def test_a_message_without_a_receive_count_is_a_first_attempt() -> None:
    assert ReceivedMessage.of({"ReceiptHandle": "r-1", "Body": ""}).attempt == 1


def test_failures_log_louder_than_successes() -> None:
    assert Outcome.DONE.log_level == Outcome.DUPLICATE.log_level == logging.INFO
    assert Outcome.RETRY.log_level == logging.WARNING
    assert Outcome.REJECTED.log_level == Outcome.GAVE_UP.log_level == logging.ERROR
