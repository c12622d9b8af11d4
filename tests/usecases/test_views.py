"""Views (`usecases/views.py`): counted once per viewer, video and hour, for what the caller may
see and is ready; the feed sorted by them (`usecases/videos.list_public`)."""

from __future__ import annotations

import pytest

from tests.usecases.support import NOON, FakePorts, created, made_ready
from videoshare.domain.errors import NotReady, VideoNotFound
from videoshare.domain.video import VideoEdit, Visibility
from videoshare.usecases.video_edits import edit_video
from videoshare.usecases.videos import list_public
from videoshare.usecases.views import record_view

HERE, THERE = "192.0.2.1", "198.51.100.7"


async def test_a_viewer_counts_once_an_hour_by_account_or_else_by_address(
    ports: FakePorts,
) -> None:
    video = await made_ready(ports, await created(ports, "alice"), Visibility.PUBLIC)
    counted = [
        await record_view(ports, video.id, "bob", HERE, NOON),
        await record_view(ports, video.id, "bob", THERE, NOON + 60),  # bob, elsewhere
        await record_view(ports, video.id, None, HERE, NOON),  # someone at bob's address
        await record_view(ports, video.id, None, HERE, NOON + 3599),
        await record_view(ports, video.id, None, THERE, NOON),
        await record_view(ports, video.id, "bob", HERE, NOON + 3600),  # the next hour
    ]
    assert counted == [True, False, True, False, True, True]
    assert (await ports.videos.get(video.id)).views == 0  # type: ignore[union-attr]
    assert await ports.views.flush() == 4
    assert (await ports.videos.get(video.id)).views == 4  # type: ignore[union-attr]


async def test_only_what_the_caller_may_see_and_is_ready_counts(ports: FakePorts) -> None:
    private = await made_ready(ports, await created(ports, "alice"))
    waiting = await created(ports, "alice", visibility=Visibility.PUBLIC)
    for video_id, who in ((private.id, "bob"), (private.id, None), ("0" * 32, "bob"), ("..", None)):
        with pytest.raises(VideoNotFound):
            await record_view(ports, video_id, who, HERE, NOON)
    with pytest.raises(NotReady):
        await record_view(ports, waiting.id, "alice", HERE, NOON)
    assert await record_view(ports, private.id, "alice", HERE, NOON)  # the owner may
    assert ports.views.pending == {private.id: 1}


async def test_the_feed_sorts_by_views_and_an_edit_keeps_them(ports: FakePorts) -> None:
    quiet, busy, middling = [
        await made_ready(ports, await created(ports, "alice"), Visibility.PUBLIC) for _ in range(3)
    ]
    for video, viewers in ((busy, 3), (middling, 2), (quiet, 0)):
        for viewer in range(viewers):
            await record_view(ports, video.id, f"viewer-{viewer}", HERE, NOON)
    await ports.views.flush()
    await edit_video(ports, busy.id, "alice", VideoEdit(title="Renamed"), "req-2")

    first, cursor = await list_public(ports, 2, None, most_viewed=True)
    rest, end = await list_public(ports, 2, cursor, most_viewed=True)
    assert [(v.id, v.views) for v in first + rest] == [
        (busy.id, 3),
        (middling.id, 2),
        (quiet.id, 0),
    ]
    assert end is None
    newest, _ = await list_public(ports, 3, None)
    assert [v.id for v in newest] == [middling.id, busy.id, quiet.id]  # created last, first
