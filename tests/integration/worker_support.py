"""Helpers for the workers' integration tests: a worker built in-process against the real
emulator (its handlers, a real `Consumer` and `IdempotencyStore` on the provisioned queues),
video records as the ingress writes them, a spy on everything published to the topic, and ways
to look at what a worker left behind (S3, the idempotency table, the dead-letter queue)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.integration.bus_support import event_attributes, string_attributes, take_all
from tests.records import new_video
from videoshare.aws import AwsClients
from videoshare.bootstrap import wire
from videoshare.bus.dispatch import idempotency_key
from videoshare.bus.idempotency import Claim, IdempotencyStore
from videoshare.bus.runtime import Consumer, Settlement
from videoshare.domain import keys
from videoshare.domain.events import (
    Event,
    VideoEvent,
    about_a_video,
    parse_event,
    utc_now,
)
from videoshare.domain.video import Video
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.entrypoints.workers.process import build_consumer, consumer_config
from videoshare.infra.resources import Resources
from videoshare.infra.topology import IDEMPOTENCY_TABLE
from videoshare.media.transcode import ffmpeg_executable
from videoshare.settings import Settings

# Short enough that nothing a test does waits on it, long enough for a 2 s clip's transcode.
VISIBILITY_S = 5
# What the tests change of a worker's production consumer config (`process.consumer_config`).
QUICK: dict[str, Any] = {
    "wait_time_s": 0,
    "visibility_timeout_s": VISIBILITY_S,
    "backoff_base_s": 0.0,
    "backoff_cap_s": 1.0,
}


@dataclass
class Worker:
    """One worker as its process would run it, but in this test's event loop."""

    name: str
    ctx: WorkerContext
    definition: WorkerDefinition
    consumer: Consumer
    settlements: list[Settlement] = field(default_factory=list)

    @property
    def queue_url(self) -> str:
        return self.ctx.deps.resources.queue_urls[self.name]

    @property
    def dlq_url(self) -> str:
        return self.ctx.deps.resources.dlq_urls[self.name]

    async def drain(self) -> list[Settlement]:
        """Handle everything on the worker's queue; what became of each message, as settled."""
        before = len(self.settlements)
        await self.consumer.drain()
        return self.settlements[before:]

    def idempotency_key(self, message_id: str) -> str:
        return idempotency_key(self.name, message_id)


def start_worker(
    name: str,
    define: Callable[[WorkerContext], WorkerDefinition],
    settings: Settings,
    aws: AwsClients,
    resources: Resources,
    **config: Any,
) -> Worker:
    """`name`'s handlers (`define`) on its provisioned queue, with quick settings for tests:
    short polls, a 5 s visibility timeout and an immediate retry (`backoff_base_s=0`).

    Short polls (`wait_time_s=0`) are right for `drain()`: it counts a poll as idle only when
    nothing was in flight as it began, and the emulator puts what S3 and SNS send on a queue
    before their call returns. A 1 s poll would cost every drain two idle seconds."""
    deps = wire(settings, aws, resources)
    ctx = WorkerContext(name, deps)
    definition = define(ctx)
    settlements: list[Settlement] = []
    consumer = build_consumer(
        deps,
        replace(consumer_config(name, deps), **{**QUICK, **config}),
        definition,
        on_settled=settlements.append,
    )
    return Worker(name, ctx, definition, consumer, settlements)


# --- video records ------------------------------------------------------------------------


async def store_video(worker: Worker, **overrides: Any) -> Video:
    video = new_video(**overrides)
    await worker.ctx.deps.videos.create(video)
    return video


async def stored(worker: Worker, video_id: str) -> Video:
    video = await worker.ctx.deps.videos.get(video_id)
    assert video is not None, f"video {video_id} has no record"
    return video


# --- what was published --------------------------------------------------------------------


class EventSpy:
    """A queue of the test's own on the topic: raw delivery, no filter, so it sees everything
    published. `published()` returns every event seen so far, in arrival order."""

    def __init__(self, aws: AwsClients, queue_url: str) -> None:
        self._aws = aws
        self._queue_url = queue_url
        self._seen: list[Event] = []

    @classmethod
    async def on_topic(cls, aws: AwsClients, settings: Settings, resources: Resources) -> EventSpy:
        url = (await aws.sqs.create_queue(QueueName=settings.queue("spy")))["QueueUrl"]
        arn = (await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]))[
            "Attributes"
        ]["QueueArn"]
        await aws.sns.subscribe(
            TopicArn=resources.topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        return cls(aws, url)

    async def published(self) -> list[Event]:
        """Everything published so far (SNS hands the emulator's queues a message at once)."""
        for message in await take_all(self._aws.sqs, self._queue_url):
            self._seen.append(parse_event(message["Body"]))
            await self._aws.sqs.delete_message(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        return list(self._seen)

    async def of_type(self, event_type: str) -> list[VideoEvent]:
        return [e for e in await self.published() if about_a_video(e) and e.type == event_type]


# --- delivering messages -------------------------------------------------------------------


async def deliver(worker: Worker, event: Event) -> None:
    """`event` on the worker's queue as SNS raw delivery puts it there."""
    await worker.ctx.deps.aws.sqs.send_message(
        QueueUrl=worker.queue_url,
        MessageBody=event.model_dump_json(),
        MessageAttributes=event_attributes(event.type, event.correlation_id),
    )


async def send_raw(worker: Worker, body: str) -> None:
    await worker.ctx.deps.aws.sqs.send_message(QueueUrl=worker.queue_url, MessageBody=body)


async def take_s3_notifications(worker: Worker) -> list[str]:
    """Take S3's notifications off the finalizer's queue (the provisioning test event dropped):
    the bodies, to deliver again by hand."""
    bodies: list[str] = []
    for message in await take_all(worker.ctx.deps.aws.sqs, worker.queue_url):
        body = message["Body"]
        if json.loads(body).get("Event") != "s3:TestEvent":
            bodies.append(body)
        await worker.ctx.deps.aws.sqs.delete_message(
            QueueUrl=worker.queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
    return bodies


def s3_notification(bucket: str, key: str, *, size: int = 1234, etag: str = "0" * 32) -> str:
    """A hand-made S3 ObjectCreated notification, shaped like the real ones."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": utc_now().isoformat(),
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": key, "size": size, "eTag": etag, "sequencer": "0055AED6DCD90281E5"},
        },
    }
    return json.dumps({"Records": [record]})


# --- what a worker left behind -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeadLetter:
    body: str
    attributes: dict[str, str]


async def dead_letters(worker: Worker) -> list[DeadLetter]:
    return [
        DeadLetter(m["Body"], string_attributes(m))
        for m in await take_all(worker.ctx.deps.aws.sqs, worker.dlq_url)
    ]


async def queue_depth(worker: Worker) -> int:
    """Messages left on the worker's queue, visible or not."""
    attributes = (
        await worker.ctx.deps.aws.sqs.get_queue_attributes(
            QueueUrl=worker.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


async def upload(worker: Worker, video_id: str, data: bytes) -> None:
    """The client's PUT of its file to the video's source key (S3 then notifies the finalizer)."""
    await worker.ctx.deps.aws.s3.put_object(
        Bucket=worker.ctx.deps.resources.bucket, Key=keys.source_key(video_id), Body=data
    )


async def object_keys(worker: Worker, prefix: str) -> list[str]:
    answer = await worker.ctx.deps.aws.s3.list_objects_v2(
        Bucket=worker.ctx.deps.resources.bucket, Prefix=prefix
    )
    return sorted(o["Key"] for o in answer.get("Contents", []))


async def read_object(worker: Worker, key: str) -> tuple[bytes, str]:
    """The object's bytes and its Content-Type."""
    obj = await worker.ctx.deps.aws.s3.get_object(Bucket=worker.ctx.deps.resources.bucket, Key=key)
    async with obj["Body"] as body:
        return await body.read(), obj.get("ContentType", "")


async def forget_completion(worker: Worker, message_id: str) -> None:
    """Lose the COMPLETED record of `message_id`, as a crash between a handler's effects and
    its completion would (or an expired record): the next delivery runs the handler again."""
    answer = await worker.ctx.deps.aws.dynamodb.delete_item(
        TableName=worker.ctx.deps.settings.table(IDEMPOTENCY_TABLE),
        Key={"key": {"S": worker.idempotency_key(message_id)}},
        ReturnValues="ALL_OLD",
    )
    assert answer.get("Attributes", {}).get("status") == {"S": "COMPLETED"}, answer


async def stale_claim(worker: Worker, message_id: str) -> Claim:
    """An IN_PROGRESS claim on `message_id` left by a worker that crashed an hour ago."""
    crashed = IdempotencyStore(
        worker.ctx.deps.aws.dynamodb,
        worker.ctx.deps.settings.table(IDEMPOTENCY_TABLE),
        ttl_s=worker.ctx.deps.settings.idempotency_ttl_s,
        in_progress_expiry_s=VISIBILITY_S,
        clock=lambda: time.time() - 3600,
    )
    claim = await crashed.begin(worker.idempotency_key(message_id))
    assert isinstance(claim, Claim)
    return claim


async def idempotency_record(worker: Worker, message_id: str) -> dict[str, str]:
    answer = await worker.ctx.deps.aws.dynamodb.get_item(
        TableName=worker.ctx.deps.settings.table(IDEMPOTENCY_TABLE),
        Key={"key": {"S": worker.idempotency_key(message_id)}},
        ConsistentRead=True,
    )
    return {name: str(next(iter(v.values()))) for name, v in answer.get("Item", {}).items()}


# --- files people upload instead of a video ------------------------------------------------


def make_png(path: Path) -> Path:
    """A real PNG picture (one test-pattern frame), whatever `path`'s suffix says."""
    argv = [ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    argv += ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=1", "-frames:v", "1"]
    subprocess.run([*argv, "-f", "image2", "-c:v", "png", str(path)], check=True)
    return path
