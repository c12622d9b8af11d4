"""What a dead-lettered message says, read from its body and its attributes. Pure code.

The runtime (`bus/dlq.py`) dead-letters the original body unchanged and describes the failure
in message attributes (`FAILURE_ATTRIBUTES`); a replay sends the body back with the original
attributes only. It reads our own messages (a domain event's id, type and video, the video of an
S3 upload's key), which the generic bus does not know: it serves `dead_letter_queues.py`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from videoshare.bus.dlq import FAILURE_ATTRIBUTES
from videoshare.domain.keys import video_id_from_source_key

UNKNOWN = "-"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One message in a dead-letter queue, as an operator reads it."""

    message_id: str
    event_id: str
    event_type: str
    video_id: str
    receive_count: str
    reason: str
    code: str
    failed_at: str
    source_queue: str | None


def describe(message_id: str, body: str, attributes: Mapping[str, Mapping[str, Any]]) -> DeadLetter:
    """Read what the body and the failure attributes tell, whatever the body holds."""
    strings = string_values(attributes)
    event_id, event_type, video_id = _identify(body)
    return DeadLetter(
        message_id=message_id,
        event_id=event_id,
        event_type=strings.get("event_type", event_type),
        video_id=video_id,
        receive_count=strings.get("receive_count", UNKNOWN),
        reason=strings.get("reason", "no reason recorded (dead-lettered by the queue's redrive)"),
        code=strings.get("code", UNKNOWN),
        failed_at=strings.get("failed_at", UNKNOWN),
        source_queue=strings.get("source_queue"),
    )


def string_values(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    return {
        name: str(value["StringValue"])
        for name, value in attributes.items()
        if "StringValue" in value
    }


def replay_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The message's own attributes, the failure description dropped, ready to send."""
    kept: dict[str, Any] = {}
    for name, value in attributes.items():
        if name in FAILURE_ATTRIBUTES:
            continue
        copied: dict[str, Any] = {"DataType": value["DataType"]}
        for field in ("StringValue", "BinaryValue"):
            if field in value:
                copied[field] = value[field]
        kept[name] = copied
    return kept


def event_type_of(body: str, attributes: Mapping[str, Mapping[str, Any]]) -> str:
    return string_values(attributes).get("event_type") or _identify(body)[1]


def age_seconds(sent_timestamp_ms: str | None, now: datetime | None = None) -> float | None:
    """Seconds since SQS's `SentTimestamp` (milliseconds since the epoch)."""
    if not sent_timestamp_ms or not sent_timestamp_ms.isdigit():
        return None
    now = now or datetime.now(UTC)
    return max(0.0, now.timestamp() - int(sent_timestamp_ms) / 1000)


def human_age(seconds: float | None) -> str:
    if seconds is None:
        return UNKNOWN
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _identify(body: str) -> tuple[str, str, str]:
    """(event id, type, video id) of a domain event or an S3 notification; `-` where unknown."""
    try:
        data = json.loads(body)
    except ValueError:
        return UNKNOWN, "not JSON", UNKNOWN
    if not isinstance(data, dict):
        return UNKNOWN, "not an event", UNKNOWN
    if isinstance(data.get("Records"), list):  # an S3 notification
        found: str | None = None
        for record in data["Records"]:
            s3 = record.get("s3") if isinstance(record, dict) else None
            obj = s3.get("object") if isinstance(s3, dict) else None
            key = str(obj.get("key", "")) if isinstance(obj, dict) else ""
            found = video_id_from_source_key(key) or found
        return UNKNOWN, "s3.object_created", found or UNKNOWN
    payload = data.get("data")
    video_id = payload.get("video_id") if isinstance(payload, dict) else None
    return (
        str(data.get("id") or UNKNOWN),
        str(data.get("type") or UNKNOWN),
        str(video_id or UNKNOWN),
    )
