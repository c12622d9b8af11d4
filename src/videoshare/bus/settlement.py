"""The vocabulary of one message's trip through the consumer: what arrived, and what became of it.

`ReceivedMessage` is one received SQS message with what the runtime reads from it; `Outcome`
is how it was settled; `Settlement` is the record of it that the log line (and later the
metrics) are made from.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_aiobotocore_sqs.type_defs import MessageTypeDef


class Outcome(StrEnum):
    DONE = "done"  # the handler returned; deleted
    RETRY = "retry"  # comes back after a backoff
    REJECTED = "rejected"  # to the dead-letter queue now
    GAVE_UP = "gave_up"  # failed on its last allowed receive; to the dead-letter queue
    DUPLICATE = "duplicate"  # its event was done already; deleted without running the handler
    SKIPPED = "skipped"  # decoded to nothing to do (an S3 test event); deleted
    DEFERRED = "deferred"  # not its turn: sent again with a delay, the original deleted
    HANDED_BACK = "handed_back"  # cut short by a stop; visible again at once, for another take

    @property
    def log_level(self) -> int:
        if self in (Outcome.REJECTED, Outcome.GAVE_UP):
            return logging.ERROR
        if self is Outcome.RETRY:
            return logging.WARNING
        return logging.INFO


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """One received message."""

    message_id: str
    receipt_handle: str
    body: str
    attempt: int  # SQS's ApproximateReceiveCount: 1 on the first receive
    attributes: Mapping[str, Mapping[str, Any]]  # its message attributes, as received

    @classmethod
    def of(cls, message: MessageTypeDef) -> ReceivedMessage:
        system = message.get("Attributes", {})
        return cls(
            message_id=message.get("MessageId", ""),
            receipt_handle=message["ReceiptHandle"],
            body=message.get("Body", ""),
            attempt=int(system.get("ApproximateReceiveCount", "1")),
            attributes=dict(message.get("MessageAttributes", {})),
        )


@dataclass(frozen=True, slots=True)
class Settlement:
    """What became of one message."""

    consumer: str
    outcome: Outcome
    attempt: int
    duration_s: float
    event_type: str | None  # None when the body did not decode
    reason: str | None = None
    delay_s: int | None = None  # for a retry or a deferral: how long until it is visible again
