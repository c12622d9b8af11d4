"""Handing received messages back: visible again at once (visibility 0), for the next receive.

A stopping consumer does it for what it will not finish, so nothing waits out a visibility
timeout. The call is bounded: when SQS cannot be reached, the messages come back by
themselves once their visibility timeout ends, and the process must not wait longer than that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

log = structlog.get_logger("consumer")

BATCH = 10  # SQS's most entries in one ChangeMessageVisibilityBatch


async def hand_back(
    sqs: SQSClient, queue_url: str, receipt_handles: Sequence[str], *, timeout_s: float
) -> int:
    """Make the messages of `receipt_handles` visible again now; how many were. Never raises."""
    handed = 0
    try:
        async with asyncio.timeout(timeout_s):
            for start in range(0, len(receipt_handles), BATCH):
                batch = receipt_handles[start : start + BATCH]
                response = await sqs.change_message_visibility_batch(
                    QueueUrl=queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                        for i, handle in enumerate(batch)
                    ],
                )
                failed = response.get("Failed", [])
                if failed:
                    log.warning("some messages not handed back", failures=failed)
                handed += len(batch) - len(failed)
    except Exception as exc:  # noqa: BLE001 - they come back by themselves after their timeout
        log.warning(
            "could not hand messages back",
            count=len(receipt_handles) - handed,
            error=repr(exc),
        )
    return handed
