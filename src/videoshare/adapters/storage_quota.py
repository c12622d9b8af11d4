"""Each owner's reserved storage in DynamoDB (the `limits` table): one item per owner, changed
only by conditional updates, so parallel creates cannot pass the quota together.

    quota = StorageReservations(dynamodb, table)
    ok = await quota.reserve("alice", video_id, size_bytes, quota_bytes)   # False: over quota
    await quota.release("alice", video_id)                                 # once, whatever repeats
    used = await quota.reserved_bytes("alice")

The item `storage#{owner}` holds `bytes` (the sum) and one attribute per video, `v_{video id}`,
its reserved size. Reserving adds both in one update, on the condition that the sum stays within
the quota and the video holds no reservation yet; releasing removes the video's attribute and
subtracts its size in one update, on the condition that the attribute is still there with that
size: a replayed release, or a release of a video never reserved, changes nothing. (An item holds
up to 400 KB: some 9,000 reservations per owner.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import condition_failed

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class StorageReservations:
    """The `StorageQuota` port."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def reserve(
        self, owner_id: str, video_id: str, size_bytes: int, quota_bytes: int
    ) -> bool:
        if size_bytes > quota_bytes:
            return False
        try:
            await self._db.update_item(
                TableName=self._table,
                Key={"key": {"S": _key(owner_id)}},
                UpdateExpression="ADD #bytes :size SET #video = :size",
                ConditionExpression=(
                    "(attribute_not_exists(#bytes) OR #bytes <= :room) "
                    "AND attribute_not_exists(#video)"
                ),
                ExpressionAttributeNames={"#bytes": "bytes", "#video": _attribute(video_id)},
                ExpressionAttributeValues={
                    ":size": {"N": str(size_bytes)},
                    ":room": {"N": str(quota_bytes - size_bytes)},
                },
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    async def release(self, owner_id: str, video_id: str) -> None:
        answer = await self._db.get_item(
            TableName=self._table,
            Key={"key": {"S": _key(owner_id)}},
            ProjectionExpression="#video",
            ExpressionAttributeNames={"#video": _attribute(video_id)},
            ConsistentRead=True,
        )
        held = answer.get("Item", {}).get(_attribute(video_id), {}).get("N")
        if held is None:
            return
        try:
            await self._db.update_item(
                TableName=self._table,
                Key={"key": {"S": _key(owner_id)}},
                UpdateExpression="ADD #bytes :minus REMOVE #video",
                ConditionExpression="#video = :size",
                ExpressionAttributeNames={"#bytes": "bytes", "#video": _attribute(video_id)},
                ExpressionAttributeValues={":size": {"N": held}, ":minus": {"N": f"-{held}"}},
            )
        except ClientError as exc:
            if not condition_failed(exc):  # released meanwhile by another
                raise

    async def reserved_bytes(self, owner_id: str) -> int:
        answer = await self._db.get_item(
            TableName=self._table,
            Key={"key": {"S": _key(owner_id)}},
            ProjectionExpression="#bytes",
            ExpressionAttributeNames={"#bytes": "bytes"},
            ConsistentRead=True,
        )
        return int(answer.get("Item", {}).get("bytes", {}).get("N", "0"))

    async def forget(self, owner_id: str) -> None:
        await self._db.delete_item(TableName=self._table, Key={"key": {"S": _key(owner_id)}})


def _key(owner_id: str) -> str:
    return f"storage#{owner_id}"


def _attribute(video_id: str) -> str:
    return f"v_{video_id}"
