"""Fixed-window counters in DynamoDB, shared by every ingress process (the `limits` table).

    counters = WindowCounters(dynamodb, table)
    window = Window(length_s=900, limit=5)
    hits = await counters.hits("login-account#a@b.c", window, now)       # this window's count
    await counters.add("login-account#a@b.c", window, now)                # one more
    allowed = await counters.take("uploads#user", window, now)           # one more, if < limit
    allowed = await counters.take("minutes#user", window, now, amount=90) # 90 more, if < limit

Each window is its own item (`{key}#{window start}`), so an old window is simply never read
again; its `expires_at_epoch` lets DynamoDB's TTL delete it later (the emulator never does,
which changes nothing here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from videoshare.domain.limits import Window

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
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def clear(self, key: str, window: Window, now: float) -> None:
        await self._db.delete_item(
            TableName=self._table, Key={"key": {"S": _item_key(key, window, now)}}
        )


def _item_key(key: str, window: Window, now: float) -> str:
    return f"{key}#{window.start(now)}"
