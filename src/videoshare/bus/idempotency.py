"""Idempotency records: each event's effect happens once, whatever SQS delivers twice.

One DynamoDB item per key (the consumer's name and the event id), in the topology's
`idempotency` table (hash key `key`, TTL attribute `expires_at_epoch`):

    begin(key)    a conditional put of an IN_PROGRESS record that expires after
                  `in_progress_expiry_s` -> `Claim` (ours: run the handler),
                  `AlreadyDone` (COMPLETED: skip it), or `HeldElsewhere` (another worker's
                  unexpired claim: try again later)
    extend(claim) pushes the claim's expiry while the handler runs (the heartbeat calls it)
    complete(...) COMPLETED, kept for `ttl_s`
    release(...)  deletes our IN_PROGRESS record after a failure, so the retry can claim it

A record counts only while `expires_at_epoch` is in the future: a crashed worker's claim can be
retaken once it expires, and an expired COMPLETED record is as good as gone. The comparison is
made here, in the condition, because TTL deletion is lazy on AWS and never happens in moto.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import structlog
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

log = structlog.get_logger("idempotency")

IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"

_NAMES = {"#key": "key", "#status": "status", "#owner": "owner", "#expires": "expires_at_epoch"}


@dataclass(frozen=True, slots=True)
class Claim:
    """Our IN_PROGRESS record: we run the handler, then `complete` or `release` it."""

    key: str
    owner: str


@dataclass(frozen=True, slots=True)
class AlreadyDone:
    """A COMPLETED record: the effect happened; nothing to do."""

    key: str


@dataclass(frozen=True, slots=True)
class HeldElsewhere:
    """Another worker's unexpired IN_PROGRESS record."""

    key: str
    expires_in_s: float


Begun = Claim | AlreadyDone | HeldElsewhere


class IdempotencyStore:
    def __init__(
        self,
        dynamodb: DynamoDBClient,
        table: str,
        *,
        ttl_s: int,
        in_progress_expiry_s: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl_s <= 0 or in_progress_expiry_s <= 0:
            raise ValueError("ttl_s and in_progress_expiry_s must be positive")
        self._dynamodb = dynamodb
        self._table = table
        self._ttl_s = ttl_s
        self.in_progress_expiry_s = in_progress_expiry_s
        self._clock = clock  # epoch seconds; a parameter so tests can move time

    async def begin(self, key: str) -> Begun:
        """Claim `key`, unless it is done or another worker's claim on it is still live."""
        now = self._clock()
        owner = uuid.uuid4().hex
        try:
            await self._dynamodb.put_item(
                TableName=self._table,
                Item={
                    "key": {"S": key},
                    "status": {"S": IN_PROGRESS},
                    "owner": {"S": owner},
                    "expires_at_epoch": _epoch(now + self.in_progress_expiry_s),
                },
                ConditionExpression="attribute_not_exists(#key) OR #expires <= :now",
                ExpressionAttributeNames=_names("#key", "#expires"),
                ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            return await self._existing(key, exc, now)
        return Claim(key=key, owner=owner)

    async def extend(self, claim: Claim) -> bool:
        """Push our claim's expiry out again; False when it is no longer ours."""
        now = self._clock()
        try:
            await self._dynamodb.update_item(
                TableName=self._table,
                Key={"key": {"S": claim.key}},
                UpdateExpression="SET #expires = :expires",
                ConditionExpression="#owner = :owner AND #status = :in_progress",
                ExpressionAttributeNames=_names("#owner", "#status", "#expires"),
                ExpressionAttributeValues={
                    ":expires": _epoch(now + self.in_progress_expiry_s),
                    ":owner": {"S": claim.owner},
                    ":in_progress": {"S": IN_PROGRESS},
                },
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            log.warning("idempotency claim lost", key=claim.key)
            return False
        return True

    async def complete(self, claim: Claim) -> None:
        """Record that the effect happened. Unconditional: even if our claim expired and was
        taken over meanwhile, the handler did finish, and that is what the record says."""
        now = self._clock()
        await self._dynamodb.put_item(
            TableName=self._table,
            Item={
                "key": {"S": claim.key},
                "status": {"S": COMPLETED},
                "owner": {"S": claim.owner},
                "completed_at_epoch": _epoch(now),
                "expires_at_epoch": _epoch(now + self._ttl_s),
            },
        )

    async def release(self, claim: Claim) -> None:
        """Drop our claim after a failure so a retry can take it (no-op if it is not ours)."""
        try:
            await self._dynamodb.delete_item(
                TableName=self._table,
                Key={"key": {"S": claim.key}},
                ConditionExpression="#owner = :owner AND #status = :in_progress",
                ExpressionAttributeNames=_names("#owner", "#status"),
                ExpressionAttributeValues={
                    ":owner": {"S": claim.owner},
                    ":in_progress": {"S": IN_PROGRESS},
                },
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise

    async def _existing(self, key: str, exc: ClientError, now: float) -> Begun:
        item: dict[str, Any] = dict(cast(dict[str, Any], exc.response).get("Item") or {})
        if not item:  # an endpoint that does not return the old item
            found = await self._dynamodb.get_item(
                TableName=self._table, Key={"key": {"S": key}}, ConsistentRead=True
            )
            item = dict(found.get("Item") or {})
        status = item.get("status", {}).get("S")
        expires = float(item.get("expires_at_epoch", {}).get("N", "0"))
        if status == COMPLETED:
            return AlreadyDone(key)
        if status == IN_PROGRESS:
            return HeldElsewhere(key, expires_in_s=max(0.0, expires - now))
        # Gone (or expired) between the put and the read: a race; let the caller retry soon.
        return HeldElsewhere(key, expires_in_s=0.0)


def _epoch(seconds: float) -> dict[str, str]:
    """Whole epoch seconds, rounded up: the form DynamoDB's TTL understands."""
    return {"N": str(math.ceil(seconds))}


def _names(*placeholders: str) -> dict[str, str]:
    return {p: _NAMES[p] for p in placeholders}


def _condition_failed(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"
