"""Small DynamoDB helpers: plain JSON-able dicts to attribute values and back, page cursors,
batched writes, and telling a failed write condition from other errors."""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from videoshare.domain.errors import BadCursor

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

_BATCH = 25  # BatchWriteItem's most requests at once

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """A JSON-able dict to a DynamoDB item (None values are left out)."""
    return {k: _serializer.serialize(v) for k, v in _to_dynamo(data).items()}


def to_value(value: Any) -> Any:
    return _serializer.serialize(_to_dynamo(value))


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in item.items()}


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(from_item(last_key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, allowed_keys: set[str]) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadCursor("the cursor is not one this service gave out") from exc
    if not isinstance(data, dict) or set(data) != allowed_keys:
        raise BadCursor("the cursor is not one this service gave out")
    if not all(_key_value(v) for v in data.values()):
        raise BadCursor("the cursor is not one this service gave out")
    return to_item(data)


def _key_value(value: Any) -> bool:
    """A string, or a whole number (an index's numeric range key)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


async def batch_write(db: DynamoDBClient, table: str, requests: list[dict[str, Any]]) -> None:
    """`PutRequest` / `DeleteRequest`s, 25 at a time, the unprocessed ones sent again."""
    for start in range(0, len(requests), _BATCH):
        pending: dict[str, Any] = {table: requests[start : start + _BATCH]}
        while pending:
            answer = await db.batch_write_item(RequestItems=pending)
            pending = dict(answer.get("UnprocessedItems") or {})


async def delete_keys(db: DynamoDBClient, table: str, keys: list[dict[str, Any]]) -> None:
    """Delete the items at `keys` (a key with no item is no error)."""
    await batch_write(db, table, [{"DeleteRequest": {"Key": key}} for key in keys])


def condition_failed(exc: ClientError) -> bool:
    """Whether a write was refused because its condition did not hold (another writer won)."""
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
