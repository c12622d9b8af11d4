"""The dead-letter queues of the stack: find them, look inside, move messages back, purge.

Replay is receive → send to the source queue (failure attributes dropped) → delete, because
the local emulator has no `StartMessageMoveTask`. It works the same on AWS, is paced by
`rate`, can pick one event type, and never loops: a message that comes back to the
dead-letter queue during the run (rejected again at once) is left there, not replayed twice.
A body that is not a message its queue carries (`bounce_reason`) is counted as one that will
come back: a dry run warns of it, and a replay in which every message comes back says so.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from videoshare.adapters.dead_letters import (
    DeadLetter,
    MessageKind,
    age_seconds,
    bounce_reason,
    describe,
    event_type_of,
    replay_attributes,
    string_values,
)
from videoshare.infra.topology import WEBHOOK_SENDER, ConsumerQueue, topology
from videoshare.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

# How long a message read by `show` or skipped by `replay` stays hidden while the command runs
# (it is made visible again at the end, or comes back by itself if the command dies).
HOLD_S = 60
OLDEST_SAMPLE = 50  # messages looked at for the age of the oldest


class UnknownQueue(Exception):
    """The named queue is not a dead-letter queue of this stack (or does not exist)."""


class PurgeTooSoon(Exception):
    """SQS allows one purge of a queue every 60 seconds; this one came within them."""


@dataclass(frozen=True, slots=True)
class DlqRef:
    consumer: str
    name: str
    url: str
    source_name: str
    kind: MessageKind  # what its source queue carries


@dataclass(frozen=True, slots=True)
class DlqStatus:
    ref: DlqRef
    depth: int
    oldest_age_s: float | None


@dataclass
class ReplaySummary:
    replayed: int = 0
    skipped_type: int = 0
    came_back: int = 0  # dead-lettered again during this run: left where it is
    malformed: int = 0  # of those replayed: not a message the source queue carries
    bouncing: int = 0  # of those replayed: malformed or came back (each counted once)
    other_types: Counter[str] = field(default_factory=Counter)  # skipped, by type
    dry_run: bool = False

    @property
    def all_bounce(self) -> bool:
        """Every message replayed is (or will be) dead-lettered again."""
        return self.replayed > 0 and self.bouncing >= self.replayed


class DlqOperator:
    def __init__(self, sqs: SQSClient, settings: Settings) -> None:
        self._sqs = sqs
        self._settings = settings

    def names(self) -> dict[str, tuple[str, str]]:
        """consumer → (its dead-letter queue's name, its queue's name)."""
        s = self._settings
        return {q.consumer: (q.dlq_name(s), q.queue_name(s)) for q in topology(s).consumers}

    async def find(self, name: str) -> DlqRef:
        """A dead-letter queue by consumer name (`transcoder`) or full queue name."""
        s = self._settings
        for queue in topology(s).consumers:
            dlq_name = queue.dlq_name(s)
            if name in (queue.consumer, dlq_name, f"{queue.consumer}-dlq"):
                url = await self._url(dlq_name)
                return DlqRef(queue.consumer, dlq_name, url, queue.queue_name(s), _kind(queue))
        known = ", ".join(sorted(self.names()))
        raise UnknownQueue(
            f"{name!r} is not a dead-letter queue of stack {self._settings.stack!r}; "
            f"use one of: {known} (`videoshare dlq list` shows them)"
        )

    async def all(self) -> list[DlqRef]:
        return [await self.find(consumer) for consumer in self.names()]

    async def status(self, ref: DlqRef) -> DlqStatus:
        depth = await self.depth(ref.url)
        oldest: float | None = None
        if depth:
            peeked = await self._peek(ref.url, OLDEST_SAMPLE)
            ages = [age_seconds(m.get("Attributes", {}).get("SentTimestamp")) for m in peeked]
            known = [a for a in ages if a is not None]
            oldest = max(known) if known else None
        return DlqStatus(ref, depth, oldest)

    async def depth(self, url: str) -> int:
        answer = await self._sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
        return sum(int(v) for v in answer["Attributes"].values())

    async def show(self, ref: DlqRef, limit: int) -> list[DeadLetter]:
        return [
            describe(m.get("MessageId", ""), m.get("Body", ""), m.get("MessageAttributes", {}))
            for m in await self._peek(ref.url, limit)
        ]

    async def replay(
        self,
        ref: DlqRef,
        *,
        event_type: str | None = None,
        limit: int | None = None,
        dry_run: bool = False,
        rate: float | None = None,
        on_progress: Callable[[ReplaySummary], None] = lambda _: None,
    ) -> ReplaySummary:
        summary = ReplaySummary(dry_run=dry_run)
        held: list[MessageTypeDef] = []  # received but left in the queue: released at the end
        replayed_bodies: set[str] = set()
        bouncing: set[str] = set()  # replayed bodies that are malformed or came back
        source_urls: dict[str, str] = {}
        started = time.monotonic()
        try:
            while limit is None or summary.replayed < limit:
                batch = await self._receive(ref.url, 10)
                if not batch:
                    break
                for message in batch:
                    if limit is not None and summary.replayed >= limit:
                        held.append(message)
                        continue
                    body = message.get("Body", "")
                    attributes = message.get("MessageAttributes", {})
                    fingerprint = hashlib.sha256(body.encode()).hexdigest()
                    type_ = event_type_of(body, attributes)
                    if event_type and type_ != event_type:
                        summary.skipped_type += 1
                        summary.other_types[type_] += 1
                        held.append(message)
                    elif fingerprint in replayed_bodies:
                        summary.came_back += 1
                        bouncing.add(fingerprint)
                        held.append(message)
                    elif dry_run:
                        summary.replayed += 1
                        replayed_bodies.add(fingerprint)
                        held.append(message)
                    else:
                        if rate:
                            await _pace(started, summary.replayed, rate)
                        source = string_values(attributes).get("source_queue") or ref.source_name
                        if source not in source_urls:
                            source_urls[source] = await self._url(source)
                        await self._sqs.send_message(
                            QueueUrl=source_urls[source],
                            MessageBody=body,
                            MessageAttributes=replay_attributes(attributes),
                        )
                        # Sent first, then deleted: a crash in between duplicates, never loses.
                        await self._sqs.delete_message(
                            QueueUrl=ref.url, ReceiptHandle=message["ReceiptHandle"]
                        )
                        summary.replayed += 1
                        replayed_bodies.add(fingerprint)
                    if fingerprint in replayed_bodies and bounce_reason(body, ref.kind):
                        if fingerprint not in bouncing:
                            summary.malformed += 1
                        bouncing.add(fingerprint)
                    summary.bouncing = len(bouncing)
                    on_progress(summary)
        finally:
            await self._release(ref.url, held)
        return summary

    async def purge(self, ref: DlqRef) -> int:
        """Delete every message of the dead-letter queue; how many there were."""
        depth = await self.depth(ref.url)
        try:
            await self._sqs.purge_queue(QueueUrl=ref.url)
        except ClientError as exc:
            if "PurgeQueueInProgress" in str(exc.response.get("Error", {}).get("Code", "")):
                raise PurgeTooSoon(
                    f"{ref.name} was purged less than 60 seconds ago, and SQS allows one purge "
                    "a minute; its messages are being deleted. Try again in a minute"
                ) from exc
            raise
        return depth

    # --- SQS ----------------------------------------------------------------------------------

    async def _url(self, name: str) -> str:
        try:
            return (await self._sqs.get_queue_url(QueueName=name))["QueueUrl"]
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if "NonExistentQueue" in code or code == "QueueDoesNotExist":
                raise UnknownQueue(
                    f"queue {name!r} does not exist here; run `videoshare provision` "
                    "(or check VIDEOSHARE_STACK and AWS_ENDPOINT_URL)"
                ) from exc
            raise

    async def _receive(self, url: str, count: int) -> list[MessageTypeDef]:
        answer = await self._sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(10, count)),
            WaitTimeSeconds=0,
            VisibilityTimeout=HOLD_S,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
        )
        return answer.get("Messages", [])

    async def _peek(self, url: str, limit: int) -> list[MessageTypeDef]:
        """Up to `limit` messages, left in the queue (visible again once read)."""
        seen: list[MessageTypeDef] = []
        try:
            while len(seen) < limit:
                batch = await self._receive(url, limit - len(seen))
                if not batch:
                    break
                seen += batch
        finally:
            await self._release(url, seen)
        return seen[:limit]

    async def _release(self, url: str, messages: list[MessageTypeDef]) -> None:
        for start in range(0, len(messages), 10):
            entries = messages[start : start + 10]
            await self._sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(entries)
                ],
            )


def _kind(queue: ConsumerQueue) -> MessageKind:
    if queue.s3_notifications:
        return MessageKind.S3_NOTIFICATION
    if queue.consumer == WEBHOOK_SENDER:
        return MessageKind.WEBHOOK_DELIVERY
    return MessageKind.EVENT


async def _pace(started: float, sent: int, rate: float) -> None:
    """Sleep until message number `sent` may go at `rate` messages per second."""
    due = started + sent / rate
    delay = due - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
