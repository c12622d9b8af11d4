"""Publishing domain events to the SNS topic.

The `event_type` message attribute is what each consumer's subscription filters on; the body
is the event's JSON (subscriptions use raw delivery, so it arrives in SQS unchanged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from videoshare.domain.events import Event

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient

log = structlog.get_logger("publisher")


class Publisher:
    def __init__(self, sns: SNSClient, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    async def publish(self, event: Event) -> None:
        await self._sns.publish(
            TopicArn=self._topic_arn,
            Message=event.model_dump_json(),
            MessageAttributes={
                "event_type": {"DataType": "String", "StringValue": event.type},
                "correlation_id": {"DataType": "String", "StringValue": event.correlation_id},
            },
        )
        log.debug(
            "published",
            event_id=event.id,
            event_type=event.type,
            correlation_id=event.correlation_id,
        )
