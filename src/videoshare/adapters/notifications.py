"""Each user's notification inbox in DynamoDB, newest first. Writing is idempotent by id.

Two items per notification, under the user's partition, written in one transaction:
`n#{created_at}#{id}` (the entry, so a query returns the newest first) and `id#{id}` (a
marker whose conditional put makes a second write of the same id a no-op, whatever its time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import (
    decode_cursor,
    delete_keys,
    encode_cursor,
    from_item,
    to_item,
)
from videoshare.domain.errors import BadCursor
from videoshare.domain.notifications import Notification as Notification  # the workers' import

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


ENTRY_PREFIX = "n#"


class NotificationRepository:
    """The `Inbox` port, and where the notifier adds to it."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def add(self, note: Notification) -> bool:
        """Store `note`; False when a notification with its id was already there."""
        data = note.model_dump(mode="json")
        data["sort_key"] = f"{ENTRY_PREFIX}{data['created_at']}#{note.id}"
        marker = {"user_id": note.user_id, "sort_key": f"id#{note.id}"}
        try:
            await self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(marker),
                            "ConditionExpression": "attribute_not_exists(sort_key)",
                        }
                    },
                    {"Put": {"TableName": self._table, "Item": to_item(data)}},
                ]
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons", [])
                if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    return False
            raise
        return True

    async def list(
        self, user_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Notification], str | None]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "user_id = :u AND begins_with(sort_key, :p)",
            "ExpressionAttributeValues": {":u": {"S": user_id}, ":p": {"S": ENTRY_PREFIX}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = decode_cursor(cursor, {"user_id", "sort_key"})
        if start is not None and start["user_id"].get("S") != user_id:
            raise BadCursor("the cursor belongs to another inbox")
        if start:
            kwargs["ExclusiveStartKey"] = start
        answer = await self._db.query(**kwargs)
        notes = []
        for item in answer.get("Items", []):
            data = from_item(item)
            data.pop("sort_key", None)
            notes.append(Notification.model_validate(data))
        return notes, encode_cursor(answer.get("LastEvaluatedKey"))

    async def clear(self, user_id: str) -> int:
        """Every item of the user's partition (entries and id markers) deleted; how many
        entries there were."""
        keys: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "user_id = :u",
                "ExpressionAttributeValues": {":u": {"S": user_id}},
                "ProjectionExpression": "user_id, sort_key",
                "ConsistentRead": True,
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            answer = await self._db.query(**kwargs)
            keys += answer.get("Items", [])
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
        await delete_keys(self._db, self._table, keys)
        return sum(1 for k in keys if k["sort_key"]["S"].startswith(ENTRY_PREFIX))
