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
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from videoshare.bus.dlq import FAILURE_ATTRIBUTES
from videoshare.domain.events import parse_event
from videoshare.domain.keys import video_id_from_source_key
from videoshare.domain.webhooks import Delivery

UNKNOWN = "-"
BODY_PREVIEW = 60  # characters of a body `dlq show` prints


class MessageKind(StrEnum):
    """What a consumer's queue carries: a body that is not one is dead-lettered at once."""

    EVENT = "a domain event"
    S3_NOTIFICATION = "an S3 notification"
    WEBHOOK_DELIVERY = "a webhook delivery"


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
    body: str  # its start, on one line (`short_body`)


def describe(message_id: str, body: str, attributes: Mapping[str, Mapping[str, Any]]) -> DeadLetter:
    """Read what the body and the failure attributes tell, whatever the body holds."""
    strings = string_values(attributes)
    event_id, event_type, video_id = _identify(body)
    return DeadLetter(
        message_id=message_id,
        body=short_body(body),
        event_id=event_id,
        event_type=strings.get("event_type", event_type),
        video_id=video_id,
        receive_count=strings.get("receive_count", UNKNOWN),
        reason=strings.get("reason", "no reason recorded (dead-lettered by the queue's redrive)"),
        code=strings.get("code", UNKNOWN),
        failed_at=strings.get("failed_at", UNKNOWN),
        source_queue=strings.get("source_queue"),
    )


def short_body(body: str, limit: int = BODY_PREVIEW) -> str:
    """The body on one line, cut to `limit` characters (an ellipsis says it was cut)."""
    line = " ".join(body.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def bounce_reason(body: str, kind: MessageKind) -> str | None:
    """Why a queue that carries `kind` would dead-letter `body` again at once (its worker
    rejects it as malformed); None when the body is one. The workers' own decoders are the
    authority; this is the same check, made before a replay."""
    match kind:
        case MessageKind.EVENT:
            try:
                parse_event(body)
            except ValidationError:
                return f"not {kind}"
        case MessageKind.WEBHOOK_DELIVERY:
            try:
                Delivery.model_validate_json(body)
            except ValidationError:
                return f"not {kind}"
        case MessageKind.S3_NOTIFICATION:
            try:
                data = json.loads(body)
            except ValueError:
                return f"not {kind}"
            if not isinstance(data, dict):
                return f"not {kind}"
            if not isinstance(data.get("Records"), list) and data.get("Event") != "s3:TestEvent":
                return f"not {kind}"
    return None


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
