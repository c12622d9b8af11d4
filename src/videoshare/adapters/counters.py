"""Fixed-window counters and login streaks in DynamoDB, shared by every ingress process (the
`limits` table).

    counters = WindowCounters(dynamodb, table)
    window = Window(length_s=900, limit=5)
    hits = await counters.hits("login-account#a@b.c", window, now)       # this window's count
    await counters.add("login-account#a@b.c", window, now)                # one more
    allowed = await counters.take("uploads#user", window, now)           # one more, if < limit
    allowed = await counters.take("minutes#user", window, now, amount=90) # 90 more, if < limit

    streaks = LoginStreaks(dynamodb, table)
    wait_s = await streaks.begin("login#acct#addr", backoff, now, forget_after_s)  # 0: go on
    await streaks.forgive("login#acct#addr")                                      # a success

Each window is its own item (`{key}#{window start}`), so an old window is simply never read
again; its `expires_at_epoch` lets DynamoDB's TTL delete it later (the emulator never does,
which changes nothing here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import condition_failed
from videoshare.domain.limits import Backoff, Window

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class WindowCounters:
    """The `Counters` port: one item per key and window, counted by atomic updates."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def hits(self, key: str, window: Window, now: float) -> int:
        item = await self._db.get_item(
            TableName=self._table,
            Key={"key": {"S": _item_key(key, window, now)}},
            ConsistentRead=True,
        )
        hits = item.get("Item", {}).get("hits", {}).get("N")
        return int(hits) if hits else 0

    async def add(self, key: str, window: Window, now: float) -> int:
        """Count one more event; return this window's count."""
        answer = await self._db.update_item(
            TableName=self._table,
            Key={"key": {"S": _item_key(key, window, now)}},
            UpdateExpression="ADD hits :one SET expires_at_epoch = :expires",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":expires": {"N": str(window.start(now) + window.length_s)},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["hits"]["N"])

    async def take(self, key: str, window: Window, now: float, amount: int = 1) -> bool:
        """Count `amount` more unless the window is full; False (nothing counted) when full."""
        try:
            await self._db.update_item(
                TableName=self._table,
                Key={"key": {"S": _item_key(key, window, now)}},
                UpdateExpression="ADD hits :one SET expires_at_epoch = :expires",
                ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": str(amount)},
                    ":limit": {"N": str(window.limit)},
                    ":expires": {"N": str(window.start(now) + window.length_s)},
                },
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    async def clear(self, key: str, window: Window, now: float) -> None:
        await self._db.delete_item(
            TableName=self._table, Key={"key": {"S": _item_key(key, window, now)}}
        )


class LoginStreaks:
    """The `LoginAttempts` port: one item per key holding `failures` (attempts counted in a
    row) and `next_at` (when the next attempt may begin). An attempt is one conditional update
    pinned to the count it read, so of parallel attempts one moves the streak at a time and the
    others read again; each is counted before the password is even tried."""

    RACES = 8  # reads and conditional writes lost to parallel attempts before giving up a turn

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def begin(self, key: str, backoff: Backoff, now: float, forget_after_s: int) -> float:
        for _ in range(self.RACES):
            answer = await self._db.get_item(
                TableName=self._table, Key={"key": {"S": key}}, ConsistentRead=True
            )
            item = answer.get("Item")
            failures = int(item["failures"]["N"]) if item else 0
            if item and float(item["expires_at_epoch"]["N"]) <= now:
                failures = 0  # forgotten (the emulator's TTL never deletes)
            elif item and (wait_s := float(item["next_at"]["N"]) - now) > 0:
                return wait_s
            if await self._count(key, item, failures, backoff, now, forget_after_s):
                return 0.0
        return backoff.base_s  # every turn taken by a parallel attempt: one more wait

    async def _count(
        self,
        key: str,
        item: dict[str, Any] | None,
        failures: int,
        backoff: Backoff,
        now: float,
        forget_after_s: int,
    ) -> bool:
        """One more attempt, unless the item changed since it was read."""
        values = {
            ":failures": {"N": str(failures + 1)},
            ":next": {"N": repr(now + backoff.delay_s(failures + 1))},
            ":expires": {"N": str(int(now) + forget_after_s)},
        }
        condition = "attribute_not_exists(failures)"
        if item is not None:
            condition = "failures = :read AND next_at = :read_next"
            values[":read"] = item["failures"]
            values[":read_next"] = item["next_at"]
        try:
            await self._db.update_item(
                TableName=self._table,
                Key={"key": {"S": key}},
                UpdateExpression=(
                    "SET failures = :failures, next_at = :next, expires_at_epoch = :expires"
                ),
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    async def forgive(self, key: str) -> None:
        await self._db.delete_item(TableName=self._table, Key={"key": {"S": key}})


def _item_key(key: str, window: Window, now: float) -> str:
    return f"{key}#{window.start(now)}"
