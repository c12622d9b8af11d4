"""`adapters/views.BufferedViews` without AWS: a stand-in DynamoDB client records the calls, so
what is de-duplicated in memory, what a flush sends, and what a failed flush keeps are checked
in milliseconds (the emulator's answers are in tests/integration/test_api_views.py)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from videoshare.adapters.views import HOUR_S, BufferedViews

NOON = 1_893_499_200.0


def _refused(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "UpdateItem")


class StandInDynamo:
    def __init__(self) -> None:
        self.markers: set[str] = set()
        self.added: dict[str, int] = {}
        self.puts = 0
        self.fail_next_update: ClientError | None = None

    async def put_item(self, **kwargs: Any) -> None:
        self.puts += 1
        key = kwargs["Item"]["key"]["S"]
        if key in self.markers:
            raise _refused("ConditionalCheckFailedException")
        self.markers.add(key)

    async def update_item(self, **kwargs: Any) -> None:
        if self.fail_next_update is not None:
            failure, self.fail_next_update = self.fail_next_update, None
            raise failure
        video_id = kwargs["Key"]["id"]["S"]
        if video_id == "gone":
            raise _refused("ConditionalCheckFailedException")
        added = int(kwargs["ExpressionAttributeValues"][":n"]["N"])
        self.added[video_id] = self.added.get(video_id, 0) + added


def _views(db: StandInDynamo) -> BufferedViews:
    return BufferedViews(db, "videos", "limits", key=lambda: b"secret")  # type: ignore[arg-type]


async def test_once_per_viewer_video_and_hour_across_processes_with_one_put_each() -> None:
    db = StandInDynamo()
    here, there = _views(db), _views(db)  # two ingress processes, one table
    assert await here.count("v1", "user:ann", NOON)
    assert not await here.count("v1", "user:ann", NOON + 5)  # from memory: no put
    assert not await there.count("v1", "user:ann", NOON + 10)  # the marker: one put, refused
    assert here.counted_here("v1", "user:ann", NOON)
    assert not there.counted_here("v1", "user:bob", NOON)
    assert await there.count("v1", "user:bob", NOON)
    assert await here.count("v1", "user:ann", NOON + HOUR_S)  # the next hour
    assert db.puts == 4
    assert not any("ann" in m or "v1" in m for m in db.markers)  # opaque


async def test_a_flush_adds_per_video_keeps_what_failed_and_drops_what_is_gone() -> None:
    db = StandInDynamo()
    views = _views(db)
    for viewer in ("a", "b", "c"):
        await views.count("v1", viewer, NOON)
    await views.count("gone", "a", NOON)
    db.fail_next_update = _refused("ProvisionedThroughputExceededException")
    assert await views.flush() == 0  # v1 failed (kept), "gone" dropped
    assert views.pending == 3
    assert await views.flush() == 3
    assert (db.added, views.pending) == ({"v1": 3}, 0)
    assert await views.flush() == 0  # nothing left: nothing sent twice
