"""Views, counted in the ingress's memory and added to the video records in batches.

    views = BufferedViews(dynamodb, videos_table, limits_table, key=settings.playback_key)
    counted = await views.count(video_id, "user:alice", now)   # False: counted this hour
    await views.flush()                                       # what was counted, as ADDs
    await views.run(stop, interval_s)                         # flush every interval_s, and last

Counting never writes to the video's record: a popular video would make its item a hot key.
A view is counted once per viewer, video and hour, across every ingress process, by one
conditional put of a marker in the `limits` table (a different key for every viewer and video,
so never hot; it expires by TTL after the hour) — skipped when this process has seen the same
marker already this hour. What was counted waits in memory and is added to the records every
`views_flush_interval_s` as one atomic `ADD views :n` per video, conditional on the record
existing (a video removed meanwhile is not brought back as a stub). A flush that fails keeps
its counts for the next. The marker's key is an HMAC of video, viewer and hour: nothing of
the viewer can be read from it.

What this costs: a process killed (not stopped) loses the counts of its last interval; a
stopped one flushes on its way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog
from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import condition_failed

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

log = structlog.get_logger("views")

HOUR_S = 3600
_MAX_SEEN = 200_000  # markers remembered per process for the current hour


class BufferedViews:
    """The `ViewCounter` port."""

    def __init__(
        self,
        dynamodb: DynamoDBClient,
        videos_table: str,
        limits_table: str,
        *,
        key: Callable[[], bytes],
    ) -> None:
        self._db = dynamodb
        self._videos = videos_table
        self._limits = limits_table
        self._key_of = key  # the HMAC key of markers, asked for at the first view
        self._key: bytes | None = None
        self._hour = -1
        self._seen: set[str] = set()
        self._pending: Counter[str] = Counter()

    def counted_here(self, video_id: str, viewer: str, now: float) -> bool:
        hour = int(now // HOUR_S)
        return hour == self._hour and self._marker(video_id, viewer, hour) in self._seen

    async def count(self, video_id: str, viewer: str, now: float) -> bool:
        hour = int(now // HOUR_S)
        if hour != self._hour or len(self._seen) > _MAX_SEEN:
            self._hour, self._seen = hour, set()
        marker = self._marker(video_id, viewer, hour)
        if marker in self._seen:
            return False
        self._seen.add(marker)
        try:
            await self._db.put_item(
                TableName=self._limits,
                Item={
                    "key": {"S": f"view#{marker}"},
                    "expires_at_epoch": {"N": str((hour + 2) * HOUR_S)},
                },
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": "key"},
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False  # counted by another process this hour
            self._seen.discard(marker)
            raise
        self._pending[video_id] += 1
        return True

    @property
    def pending(self) -> int:
        """Views counted and not yet added to the records."""
        return sum(self._pending.values())

    async def flush(self) -> int:
        """Add what was counted to the records; how many views were added."""
        batch, self._pending = self._pending, Counter()
        added = 0
        for video_id, views in batch.items():
            try:
                await self._db.update_item(
                    TableName=self._videos,
                    Key={"id": {"S": video_id}},
                    UpdateExpression="ADD #views :n",
                    ConditionExpression="attribute_exists(id)",
                    ExpressionAttributeNames={"#views": "views"},
                    ExpressionAttributeValues={":n": {"N": str(views)}},
                )
            except ClientError as exc:
                if condition_failed(exc):
                    continue  # the video is gone
                self._pending[video_id] += views  # the next flush tries again
                log.warning("views_flush_failed", video_id=video_id, error=str(exc))
                continue
            added += views
        return added

    async def run(self, stop: asyncio.Event, interval_s: float) -> None:
        """Flush every `interval_s` until `stop`, then once more."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)
            try:
                await self.flush()
            except Exception:  # the counts stay pending; the next flush tries again
                log.exception("views_flush_crashed")

    def _marker(self, video_id: str, viewer: str, hour: int) -> str:
        if self._key is None:
            self._key = self._key_of()
        message = f"{video_id}\n{viewer}\n{hour}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:40]
