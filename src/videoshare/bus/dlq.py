"""Sending a message to its dead-letter queue with the reason it failed.

The original body goes unchanged, so a replay can send it back as it was. The failure is
described in message attributes (`FAILURE_ATTRIBUTES`); the original message's own attributes
(`event_type`, `correlation_id`, ...) are carried over under their names, so a replay that drops
the failure attributes restores the message exactly. SQS allows 10 attributes per message: the
failure attributes come first, then as many original ones as fit, `event_type` and
`correlation_id` before the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageAttributeValueTypeDef

log = structlog.get_logger("dlq")

# Set by the runtime on every dead-lettered message; a replay removes them.
FAILURE_ATTRIBUTES = ("reason", "error", "code", "source_queue", "failed_at", "receive_count")
MAX_ATTRIBUTES = 10  # SQS's limit per message
_CARRIED_FIRST = ("event_type", "correlation_id")
_REASON_CHARS = 1024
_ERROR_CHARS = 2048


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a message is being dead-lettered."""

    reason: str  # a sentence a person can read
    code: str  # stable and machine-readable: "malformed", "unknown_type", "gave_up", ...
    error: str  # the exception behind it, "TypeName: message"
    receive_count: int


def describe_error(exc: BaseException) -> str:
    """`TypeName: message` of an exception."""
    return f"{type(exc).__name__}: {exc}"


def failure_attributes(
    failure: Failure,
    *,
    source_queue: str,
    original: Mapping[str, Mapping[str, Any]],
    failed_at: datetime | None = None,
) -> dict[str, MessageAttributeValueTypeDef]:
    """The attributes of the dead-lettered copy: the failure first, then the original's own."""
    when = (failed_at or datetime.now(UTC)).isoformat(timespec="milliseconds")
    attributes: dict[str, MessageAttributeValueTypeDef] = {
        "reason": _string(_truncate(failure.reason, _REASON_CHARS)),
        "error": _string(_truncate(failure.error, _ERROR_CHARS)),
        "code": _string(failure.code),
        "source_queue": _string(source_queue),
        "failed_at": _string(when),
        "receive_count": {"DataType": "Number", "StringValue": str(failure.receive_count)},
    }
    carried = [n for n in _CARRIED_FIRST if n in original]
    carried += sorted(n for n in original if n not in _CARRIED_FIRST)
    for name in carried:
        if len(attributes) >= MAX_ATTRIBUTES:
            log.warning("attribute not carried to the dead-letter queue", attribute=name)
            continue
        if name not in attributes:
            attributes[name] = copy_attribute(original[name])
    return attributes


async def dead_letter(
    sqs: SQSClient,
    *,
    dlq_url: str,
    source_queue: str,
    body: str,
    original_attributes: Mapping[str, Mapping[str, Any]],
    failure: Failure,
) -> None:
    """Send `body` to the dead-letter queue with the failure attached."""
    await sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=body,
        MessageAttributes=failure_attributes(
            failure, source_queue=source_queue, original=original_attributes
        ),
    )


def _string(value: str) -> MessageAttributeValueTypeDef:
    # SQS refuses empty attribute values.
    return {"DataType": "String", "StringValue": value or "-"}


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def copy_attribute(value: Mapping[str, Any]) -> MessageAttributeValueTypeDef:
    """An attribute as received, in the shape `send_message` takes (list values are unused)."""
    copied: MessageAttributeValueTypeDef = {"DataType": str(value["DataType"])}
    if "StringValue" in value:
        copied["StringValue"] = str(value["StringValue"])
    if "BinaryValue" in value:
        copied["BinaryValue"] = value["BinaryValue"]
    return copied
