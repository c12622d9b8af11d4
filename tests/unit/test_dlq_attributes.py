"""What a dead-lettered message carries: the failure, then the original's own attributes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from videoshare.bus.dlq import FAILURE_ATTRIBUTES, MAX_ATTRIBUTES, Failure, failure_attributes

FAILURE = Failure(
    reason="the upload is not a video",
    code="not_a_video",
    error="Reject: the upload is not a video",
    receive_count=3,
)
WHEN = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def _string(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def test_the_failure_is_described_in_attributes() -> None:
    attributes = failure_attributes(
        FAILURE, source_queue="vs-transcoder", original={}, failed_at=WHEN
    )

    assert attributes == {
        "reason": _string("the upload is not a video"),
        "error": _string("Reject: the upload is not a video"),
        "code": _string("not_a_video"),
        "source_queue": _string("vs-transcoder"),
        "failed_at": _string("2026-01-02T03:04:05.678+00:00"),
        "receive_count": {"DataType": "Number", "StringValue": "3"},
    }
    assert set(attributes) == set(FAILURE_ATTRIBUTES)


def test_the_originals_attributes_are_carried_over_unchanged() -> None:
    original: dict[str, dict[str, Any]] = {
        "event_type": _string("video.uploaded"),
        "correlation_id": _string("req-1"),
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }

    attributes = failure_attributes(FAILURE, source_queue="q", original=original)

    assert attributes["event_type"] == _string("video.uploaded")
    assert attributes["correlation_id"] == _string("req-1")
    assert attributes["blob"] == {"DataType": "Binary", "BinaryValue": b"\x00\x01"}


def test_the_failure_wins_over_an_original_attribute_of_the_same_name() -> None:
    attributes = failure_attributes(FAILURE, source_queue="q", original={"reason": _string("old")})
    assert attributes["reason"] == _string("the upload is not a video")


def test_no_more_than_sqs_allows_with_routing_attributes_kept_first() -> None:
    original = {f"extra_{i}": _string(str(i)) for i in range(8)}
    original |= {"correlation_id": _string("req-1"), "event_type": _string("video.uploaded")}

    attributes = failure_attributes(FAILURE, source_queue="q", original=original)

    assert len(attributes) == MAX_ATTRIBUTES
    assert "event_type" in attributes
    assert "correlation_id" in attributes


def test_long_texts_are_cut_and_empty_ones_filled() -> None:
    failure = Failure(reason="x" * 5000, code="c", error="", receive_count=1)

    attributes = failure_attributes(failure, source_queue="q", original={})

    assert len(attributes["reason"]["StringValue"]) == 1024
    assert attributes["reason"]["StringValue"].endswith("…")
    assert attributes["error"]["StringValue"] == "-"  # SQS refuses empty values
