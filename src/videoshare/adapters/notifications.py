"""Each user's notification inbox in DynamoDB, newest first. Writing is idempotent by id."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from videoshare.adapters.dynamo import decode_cursor, encode_cursor, from_item, to_item

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class Notification(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    user_id: str
    type: str
    video_id: str
    created_at: datetime
    message: str


class NotificationRepository:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def add(self, note: Notification) -> bool:
        """Store `note`; False when a notification with its id was already there."""
        data = note.model_dump(mode="json")
        data["sort_key"] = f"{data['created_at']}#{note.id}"
        try:
            await self._db.put_item(
                TableName=self._table,
                Item=to_item(data),
                ConditionExpression="attribute_not_exists(sort_key)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    async def list(
        self, user_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Notification], str | None]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "user_id = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = decode_cursor(cursor, {"user_id", "sort_key"})
        if start:
            kwargs["ExclusiveStartKey"] = start
        answer = await self._db.query(**kwargs)
        notes = []
        for item in answer.get("Items", []):
            data = from_item(item)
            data.pop("sort_key", None)
            notes.append(Notification.model_validate(data))
        return notes, encode_cursor(answer.get("LastEvaluatedKey"))
