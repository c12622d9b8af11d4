"""The search index in DynamoDB: one entry per (term, video) for ready public videos.

    term = "w#beach" | "t#summer"     sort_key = "<created_at>#<video id>"  (newest first)
    video_id, terms (every term of the video, for filtering on the other query terms)

    term = "v#<video id>"             sort_key = "manifest"
    terms (what is indexed for it now, so a re-index knows what to remove)

A query reads the partition of its lead term newest first and filters on the others. Entries
are written by the metadata-indexer only; a stale entry (an index write racing an edit) can
only make a page shorter, because the ingress checks each hit against the video record before
it answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import batch_write, decode_cursor, encode_cursor
from videoshare.domain.errors import BadCursor
from videoshare.domain.search_terms import Query, searchable, video_terms
from videoshare.domain.video import Video
from videoshare.usecases.ports import Hits

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

MANIFEST = "manifest"
# Entries read at most for one page: a query whose filters drop nearly everything answers a
# short page with a cursor rather than reading the whole partition in one request.
MAX_SCANNED = 1000


def sort_key(video: Video) -> str:
    return f"{video.created_at.isoformat().replace('+00:00', 'Z')}#{video.id}"


class SearchIndex:
    """The `TermIndex` port (`search`), and where the metadata-indexer writes (`reindex`)."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def reindex(self, video_id: str, video: Video | None) -> None:
        """Make the entries of `video_id` what its record says now (none unless searchable)."""
        wanted = set(video_terms(video)) if video is not None and searchable(video) else set()
        manifest_key = {"term": {"S": f"v#{video_id}"}, "sort_key": {"S": MANIFEST}}
        answer = await self._db.get_item(
            TableName=self._table, Key=manifest_key, ConsistentRead=True
        )
        item = answer.get("Item", {})
        had = set(item.get("terms", {}).get("SS", []))
        had_key = item.get("entry_key", {}).get("S")
        writes: list[dict[str, Any]] = []
        if video is not None and wanted:
            entry_key = sort_key(video)
            for term in sorted(wanted):
                writes.append(
                    {
                        "PutRequest": {
                            "Item": {
                                "term": {"S": term},
                                "sort_key": {"S": entry_key},
                                "video_id": {"S": video_id},
                                "terms": {"SS": sorted(wanted)},
                            }
                        }
                    }
                )
        if had_key is not None:
            for term in sorted(had - wanted):
                writes.append(
                    {"DeleteRequest": {"Key": {"term": {"S": term}, "sort_key": {"S": had_key}}}}
                )
        if video is not None and wanted - had:
            # First name every entry that may exist once the writes begin, so a crash midway
            # leaves none that the next re-index does not know to remove.
            await self._manifest(manifest_key, had | wanted, sort_key(video))
        await self._write(writes)
        if wanted and video is not None:
            await self._manifest(manifest_key, wanted, sort_key(video))
        elif item:
            await self._db.delete_item(TableName=self._table, Key=manifest_key)

    async def _manifest(self, key: dict[str, Any], terms: set[str], entry_key: str) -> None:
        await self._db.put_item(
            TableName=self._table,
            Item={**key, "terms": {"SS": sorted(terms)}, "entry_key": {"S": entry_key}},
        )

    async def _write(self, requests: list[dict[str, Any]]) -> None:
        await batch_write(self._db, self._table, requests)

    async def search(self, query: Query, limit: int, cursor: str | None) -> Hits:
        """Up to `limit` video ids matching every term of `query`, newest first."""
        start = decode_cursor(cursor, {"term", "sort_key"})
        if start is not None and start["term"]["S"] != query.lead:
            raise BadCursor("the cursor belongs to another search")
        others = query.terms[1:]
        found: list[tuple[str, str]] = []
        scanned = 0
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "#t = :lead",
                "ExpressionAttributeNames": {"#t": "term"},
                "ExpressionAttributeValues": {":lead": {"S": query.lead}},
                "ScanIndexForward": False,
                "Limit": max(limit * 2, 25),
            }
            if others:
                kwargs["FilterExpression"] = " AND ".join(
                    f"contains(terms, :t{i})" for i in range(len(others))
                )
                for i, term in enumerate(others):
                    kwargs["ExpressionAttributeValues"][f":t{i}"] = {"S": term}
            if start:
                kwargs["ExclusiveStartKey"] = start
            try:
                answer = await self._db.query(**kwargs)
            except ClientError as exc:
                # DynamoDB refusing a start key we decoded: the cursor was not one of ours
                if start and exc.response.get("Error", {}).get("Code") == "ValidationException":
                    raise BadCursor("the cursor is not one this service gave out") from exc
                raise
            scanned += answer.get("ScannedCount", 0)
            found += [(i["video_id"]["S"], i["sort_key"]["S"]) for i in answer.get("Items", [])]
            last = answer.get("LastEvaluatedKey")
            if len(found) >= limit:
                page = found[:limit]
                more = len(found) > limit or last is not None
                return Hits(
                    [v for v, _ in page], self._cursor(query, page[-1][1]) if more else None
                )
            if last is None:
                return Hits([v for v, _ in found], None)
            if scanned >= MAX_SCANNED:
                return Hits([v for v, _ in found], encode_cursor(last))
            start = last

    def _cursor(self, query: Query, key: str) -> str | None:
        return encode_cursor({"term": {"S": query.lead}, "sort_key": {"S": key}})
