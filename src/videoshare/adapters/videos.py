"""The video records in DynamoDB. Every status change is a conditional write on the expected
status and version, so a duplicate, late or replayed event never moves a video backwards and a
concurrent edit is never lost.

`views` is added to by the ingress in batches (`adapters/views.py`, atomic `ADD`s that leave
the version alone). A save puts the whole item, views as read, so it is also conditional on
the views being what was read: a batch added in between makes it a `VideoConflict`, and the
writer reads again and retries, as for any other concurrent change. (An `UpdateItem` of every
other attribute would avoid the retry, but costs the emulator five times a put, and saves are
the pipeline's hottest write; views only move on ready videos, which are rarely saved.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import (
    condition_failed,
    decode_cursor,
    encode_cursor,
    from_item,
    to_item,
    to_value,
)
from videoshare.domain.errors import BadCursor, VideoConflict, VideoExists
from videoshare.domain.events import utc_now
from videoshare.domain.video import Video, VideoStatus, Visibility
from videoshare.infra.topology import FEED_INDEX, OWNER_INDEX, POPULAR_INDEX
from videoshare.usecases.ports import Page

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

PUBLIC_FEED = "public"
VIEWS = "views"


def _created_key(created_at: str, video_id: str) -> str:
    return f"{created_at}#{video_id}"


def _item_for(video: Video) -> dict[str, Any]:
    data = video.model_dump(mode="json")
    data["created_key"] = _created_key(data["created_at"], video.id)
    if video.status is VideoStatus.READY and video.visibility is Visibility.PUBLIC:
        data["feed"] = PUBLIC_FEED
    if not video.status.is_terminal:  # the sparse index housekeeping sweeps for stuck videos
        data["pending_status"] = video.status.value
        data["updated_key"] = f"{data['updated_at']}#{video.id}"
    return to_item(data)


def _video_from(item: dict[str, Any]) -> Video:
    data = from_item(item)
    data.pop("created_key", None)
    data.pop("feed", None)
    data.pop("pending_status", None)
    data.pop("updated_key", None)
    data.setdefault(VIEWS, 0)
    return Video.model_validate(data)


class VideoRepository:
    """The `VideoStore` port."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def create(self, video: Video) -> None:
        try:
            await self._db.put_item(
                TableName=self._table,
                Item=_item_for(video),
                ConditionExpression="attribute_not_exists(id)",
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise VideoExists(f"a video {video.id} exists already") from exc
            raise

    async def get(self, video_id: str) -> Video | None:
        answer = await self._db.get_item(
            TableName=self._table, Key={"id": {"S": video_id}}, ConsistentRead=True
        )
        item = answer.get("Item")
        return _video_from(item) if item else None

    async def save(self, changed: Video, *, expected: Video) -> Video:
        """Write `changed` (made from `expected` by one of `Video`'s methods) if nobody changed
        the record since `expected` was read; the written record, one version on."""
        if changed.id != expected.id or changed.version != expected.version:
            raise ValueError("`changed` must be made from `expected`")
        written = changed.model_copy(
            update={"version": expected.version + 1, "updated_at": utc_now()}
        )
        try:
            await self._db.put_item(
                TableName=self._table,
                Item=_item_for(written),
                # views added since the read would be written back: then it is a conflict too
                ConditionExpression=(
                    "#v = :v AND #s = :s AND (attribute_not_exists(#views) OR #views = :views)"
                ),
                ExpressionAttributeNames={"#v": "version", "#s": "status", "#views": VIEWS},
                ExpressionAttributeValues={
                    ":v": to_value(expected.version),
                    ":s": to_value(expected.status.value),
                    ":views": to_value(expected.views),
                },
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise VideoConflict(f"video {expected.id} changed since it was read") from exc
            raise
        return written

    async def remove(self, video_id: str) -> None:
        await self._db.delete_item(TableName=self._table, Key={"id": {"S": video_id}})

    async def list_by_owner(self, owner_id: str, limit: int, cursor: str | None) -> Page:
        return await self._query(OWNER_INDEX, "owner_id", owner_id, limit, cursor)

    async def list_public(self, limit: int, cursor: str | None) -> Page:
        return await self._query(FEED_INDEX, "feed", PUBLIC_FEED, limit, cursor)

    async def list_popular(self, limit: int, cursor: str | None) -> Page:
        return await self._query(POPULAR_INDEX, "feed", PUBLIC_FEED, limit, cursor, range_key=VIEWS)

    def cursor_after(self, video: Video) -> str:
        created_at = video.model_dump(mode="json", include={"created_at"})["created_at"]
        key = {
            "id": video.id,
            "owner_id": video.owner_id,
            "created_key": _created_key(created_at, video.id),
        }
        cursor = encode_cursor(to_item(key))
        assert cursor is not None  # a key that is not empty encodes to a cursor
        return cursor

    async def _query(
        self,
        index: str,
        key: str,
        value: str,
        limit: int,
        cursor: str | None,
        *,
        range_key: str = "created_key",
    ) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#k = :k",
            "ExpressionAttributeNames": {"#k": key},
            "ExpressionAttributeValues": {":k": {"S": value}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = decode_cursor(cursor, {"id", key, range_key})
        if start is not None and start[key].get("S") != value:
            raise BadCursor("the cursor belongs to another listing")
        if start:
            kwargs["ExclusiveStartKey"] = start
        try:
            answer = await self._db.query(**kwargs)
        except ClientError as exc:
            # DynamoDB refusing a start key we decoded means the cursor was not one of ours
            if start and exc.response.get("Error", {}).get("Code") == "ValidationException":
                raise BadCursor("the cursor is not one this service gave out") from exc
            raise
        items = [_video_from(i) for i in answer.get("Items", [])]
        return Page(items, encode_cursor(answer.get("LastEvaluatedKey")))


def video_from_item(item: dict[str, Any]) -> Video:
    """A record as stored (index attributes included) → `Video`; for readers of the indexes."""
    return _video_from(item)
