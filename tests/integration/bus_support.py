"""Helpers for the consumer runtime's integration tests: fresh queues and tables per test,
events to send, and ways to look into a queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from videoshare.domain.events import VideoUploaded, VideoUploadedData
from videoshare.infra.topology import IDEMPOTENCY_TABLE, topology
from videoshare.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageAttributeValueTypeDef, MessageTypeDef


@dataclass(frozen=True, slots=True)
class QueuePair:
    name: str
    url: str
    dlq_url: str


async def make_queue_pair(
    sqs: SQSClient, settings: Settings, *, max_receive_count: int = 5, name: str = "work"
) -> QueuePair:
    """A queue and its dead-letter queue, named after the test's own stack."""
    queue_name = settings.queue(name)
    dlq_url = (await sqs.create_queue(QueueName=f"{queue_name}-dlq"))["QueueUrl"]
    dlq_arn = (await sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"]))[
        "Attributes"
    ]["QueueArn"]
    redrive = f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": {max_receive_count}}}'
    url = (await sqs.create_queue(QueueName=queue_name, Attributes={"RedrivePolicy": redrive}))[
        "QueueUrl"
    ]
    return QueuePair(queue_name, url, dlq_url)


async def make_idempotency_table(dynamodb: DynamoDBClient, settings: Settings) -> str:
    """The topology's idempotency table (its key schema), under the test's stack name."""
    (table,) = [t for t in topology(settings).tables if t.name == IDEMPOTENCY_TABLE]
    name = settings.table(table.name)
    await dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": table.hash_key, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": table.hash_key, "KeyType": "HASH"}],
    )
    return name


def uploaded_event(correlation_id: str | None = None) -> VideoUploaded:
    video_id = uuid.uuid4().hex
    return VideoUploaded(
        correlation_id=correlation_id or f"req-{uuid.uuid4().hex[:8]}",
        producer="tests",
        data=VideoUploadedData(
            video_id=video_id,
            owner_id="owner-1",
            source_key=f"uploads/{video_id}/source",
            size_bytes=1024,
            content_type="video/mp4",
        ),
    )


async def send_event(sqs: SQSClient, queue_url: str, event: VideoUploaded) -> None:
    """As SNS raw delivery puts it on a queue: the event JSON, with its routing attributes."""
    await sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=event.model_dump_json(),
        MessageAttributes=event_attributes(event.type, event.correlation_id),
    )


def event_attributes(
    event_type: str, correlation_id: str
) -> dict[str, MessageAttributeValueTypeDef]:
    return {
        "event_type": {"DataType": "String", "StringValue": event_type},
        "correlation_id": {"DataType": "String", "StringValue": correlation_id},
    }


async def messages_in_queue(sqs: SQSClient, queue_url: str) -> int:
    """Messages the queue holds, visible or not (0: everything was deleted)."""
    attributes = (
        await sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


async def take_all(sqs: SQSClient, queue_url: str) -> list[MessageTypeDef]:
    """Every visible message of a (dead-letter) queue, with its attributes."""
    taken: list[MessageTypeDef] = []
    while True:
        response = await sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        )
        batch = response.get("Messages", [])
        if not batch:
            return taken
        taken += batch


def string_attributes(message: MessageTypeDef) -> dict[str, str]:
    return {
        name: value.get("StringValue", "")
        for name, value in message.get("MessageAttributes", {}).items()
    }
