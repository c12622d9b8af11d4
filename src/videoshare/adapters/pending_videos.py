"""Videos in a non-terminal status, oldest update first, through the sparse `pending-by-status`
index: only such videos carry `pending_status`, so the sweep reads them and nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from videoshare.adapters.videos import video_from_item
from videoshare.domain.video import Video, VideoStatus
from videoshare.infra.topology import PENDING_INDEX

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class PendingVideos:
    """The videos table read through its sparse index of non-terminal videos."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def before(self, status: VideoStatus, before: datetime) -> AsyncIterator[Video]:
        """Every video in `status` whose last update was before `before`."""
        return pending_before(self._db, self._table, status, before)


async def pending_before(
    dynamodb: DynamoDBClient, table: str, status: VideoStatus, before: datetime
) -> AsyncIterator[Video]:
    """Every video in `status` whose last update was before `before`."""
    cutoff = before.isoformat().replace("+00:00", "Z")
    kwargs: dict[str, Any] = {
        "TableName": table,
        "IndexName": PENDING_INDEX,
        "KeyConditionExpression": "pending_status = :s AND updated_key < :cutoff",
        "ExpressionAttributeValues": {":s": {"S": status.value}, ":cutoff": {"S": cutoff}},
    }
    while True:
        answer = await dynamodb.query(**kwargs)
        for item in answer.get("Items", []):
            yield video_from_item(item)
        last = answer.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last
