"""Each owner's videos in processing at once, in DynamoDB (the `limits` table): one item per
owner, changed only by conditional updates, so parallel takers cannot pass the limit together.

    slots = ProcessingSlotTable(dynamodb, table)
    ok = await slots.take("alice", video_id, limit=3, now=now, ttl_s=2400)  # False: all taken
    await slots.release("alice", video_id)                                # once, whatever repeats
    busy = await slots.held("alice", now)

The item `slots#{owner}` holds `n` (how many slots it holds) and one attribute per video,
`s_{video id}`, the epoch second its slot lapses. Taking adds both in one update, on the
condition that the video holds none and `n` is under the limit; a video that holds one keeps it
with a new expiry. A full item is first cleared of lapsed slots (a process killed while holding
one), each removed on the condition that its expiry is still the one read. Releasing removes the
video's attribute and subtracts one, on the condition that the attribute is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import condition_failed

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

PREFIX = "s_"
_ROUNDS = 3  # a take that raced a release or a lapse looks again, this many times at most


class ProcessingSlotTable:
    """The `ProcessingSlots` port."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def take(
        self, owner_id: str, video_id: str, *, limit: int, now: float, ttl_s: float
    ) -> bool:
        expires = str(int(now + ttl_s))
        for _ in range(_ROUNDS):
            if await self._update(
                owner_id,
                "SET #video = :expires ADD #n :one",
                "attribute_not_exists(#video) AND (attribute_not_exists(#n) OR #n < :limit)",
                {"#video": _attribute(video_id), "#n": "n"},
                {":expires": {"N": expires}, ":one": {"N": "1"}, ":limit": {"N": str(limit)}},
            ):
                return True
            slots = await self._slots(owner_id)
            if video_id in slots:  # its own slot, taken by an earlier attempt: kept longer
                if await self._update(
                    owner_id,
                    "SET #video = :expires",
                    "attribute_exists(#video)",
                    {"#video": _attribute(video_id)},
                    {":expires": {"N": expires}},
                ):
                    return True
                continue
            lapsed = [(v, e) for v, e in slots.items() if e <= now]
            if not lapsed:
                return False
            for lapsed_id, expiry in lapsed:
                await self._update(
                    owner_id,
                    "REMOVE #video ADD #n :minus",
                    "#video = :expiry",
                    {"#video": _attribute(lapsed_id), "#n": "n"},
                    {":expiry": {"N": str(expiry)}, ":minus": {"N": "-1"}},
                )
        return False

    async def release(self, owner_id: str, video_id: str) -> None:
        await self._update(
            owner_id,
            "REMOVE #video ADD #n :minus",
            "attribute_exists(#video)",
            {"#video": _attribute(video_id), "#n": "n"},
            {":minus": {"N": "-1"}},
        )

    async def forget(self, owner_id: str) -> None:
        await self._db.delete_item(TableName=self._table, Key={"key": {"S": _key(owner_id)}})

    async def held(self, owner_id: str, now: float) -> int:
        return sum(1 for expiry in (await self._slots(owner_id)).values() if expiry > now)

    async def _slots(self, owner_id: str) -> dict[str, int]:
        """Each video holding a slot, and when its slot lapses."""
        answer = await self._db.get_item(
            TableName=self._table, Key={"key": {"S": _key(owner_id)}}, ConsistentRead=True
        )
        item = answer.get("Item", {})
        return {
            name.removeprefix(PREFIX): int(value["N"])
            for name, value in item.items()
            if name.startswith(PREFIX) and "N" in value
        }

    async def _update(
        self,
        owner_id: str,
        expression: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, dict[str, str]],
    ) -> bool:
        """One conditional update of the owner's item; False when its condition failed."""
        try:
            await self._db.update_item(
                TableName=self._table,
                Key={"key": {"S": _key(owner_id)}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True


def _key(owner_id: str) -> str:
    return f"slots#{owner_id}"


def _attribute(video_id: str) -> str:
    return f"{PREFIX}{video_id}"
