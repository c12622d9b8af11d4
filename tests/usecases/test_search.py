"""Search (`usecases/search.py`): the public index checked against the records, and the
owner's own videos read page by page."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.usecases.support import FakePorts, created, made_ready
from videoshare.domain.errors import BadCursor
from videoshare.domain.search_terms import parse_query
from videoshare.domain.video import Video, VideoEdit, Visibility
from videoshare.usecases.search import MAX_SCANNED, search_mine, search_public
from videoshare.usecases.video_edits import edit_video


async def _mine(ports: FakePorts, title: str, owner_id: str = "alice") -> Video:
    """A video found by the words of its title only."""
    return await created(ports, owner_id, title=title, tags=[], description="")


async def _aged(ports: FakePorts, video: Video, seconds: int) -> Video:
    """`video` as if created `seconds` later than it was (listings are newest first)."""
    later = video.model_copy(update={"created_at": video.created_at + timedelta(seconds=seconds)})
    ports.videos.records[video.id] = later
    return later


async def _indexed(ports: FakePorts, title: str, seconds: int) -> Video:
    video = await _aged(ports, await _mine(ports, title), seconds)
    ready = await made_ready(ports, video, Visibility.PUBLIC)
    await ports.search.reindex(ready.id, ready)
    return ready


async def test_public_search_finds_ready_public_videos_newest_first_in_pages(
    ports: FakePorts,
) -> None:
    older = await _indexed(ports, "Beach day", 1)
    newer = await _indexed(ports, "Beach night", 2)
    await _indexed(ports, "Mountain day", 3)
    query = parse_query("beach", None)
    first, cursor = await search_public(ports, query, 1, None)
    assert [v.id for v in first] == [newer.id]
    assert cursor is not None
    second, cursor = await search_public(ports, query, 1, cursor)
    assert ([v.id for v in second], cursor) == ([older.id], None)
    both, _ = await search_public(ports, parse_query("day beach", None), 10, None)
    assert [v.id for v in both] == [older.id]


async def test_a_hit_the_index_has_not_caught_up_on_is_left_out(ports: FakePorts) -> None:
    video = await _indexed(ports, "Beach day", 1)
    await edit_video(ports, video.id, "alice", VideoEdit(visibility=Visibility.PRIVATE), "req-1")
    page, _ = await search_public(ports, parse_query("beach", None), 10, None)
    assert page == []  # the index still lists it; the record says private


async def test_a_cursor_of_another_search_is_refused(ports: FakePorts) -> None:
    for i in range(3):
        await _indexed(ports, "Beach day", i)
    _, cursor = await search_public(ports, parse_query("beach", None), 1, None)
    assert cursor is not None
    with pytest.raises(BadCursor):
        await search_public(ports, parse_query("mountain", None), 1, cursor)


async def test_my_search_finds_my_videos_in_any_status_but_deleted(ports: FakePorts) -> None:
    awaiting = await _aged(ports, await _mine(ports, "Beach one"), 1)
    ready = await made_ready(ports, await _aged(ports, await _mine(ports, "Beach two"), 2))
    await _aged(ports, await _mine(ports, "Mountain"), 3)
    await _aged(ports, await _mine(ports, "Beach bob", "bob"), 4)
    found, cursor = await search_mine(ports, "alice", parse_query("beach", None), 10, None)
    assert ([v.id for v in found], cursor) == ([ready.id, awaiting.id], None)


async def test_my_search_pages_carry_on_right_after_the_last_video_shown(
    ports: FakePorts,
) -> None:
    titles = ["Beach a", "Mountain", "Beach b", "Beach c", "Forest"]
    for i, title in enumerate(titles):
        await _aged(ports, await _mine(ports, title), i)
    query = parse_query("beach", None)
    first, cursor = await search_mine(ports, "alice", query, 2, None)
    assert [v.title for v in first] == ["Beach c", "Beach b"]
    assert cursor is not None
    rest, cursor = await search_mine(ports, "alice", query, 2, cursor)
    assert ([v.title for v in rest], cursor) == (["Beach a"], None)
    with pytest.raises(BadCursor):
        await search_mine(ports, "bob", query, 2, ports.videos.cursor_after(first[-1]))


async def test_my_search_stops_after_so_many_records_with_a_cursor_to_go_on(
    ports: FakePorts,
) -> None:
    match = await _aged(ports, await _mine(ports, "Beach"), 0)
    other = await _mine(ports, "Other")
    for i in range(MAX_SCANNED + 10):  # newer than the match, and none matches
        copy = other.model_copy(
            update={"id": uuid.uuid4().hex, "created_at": other.created_at + timedelta(seconds=i)}
        )
        ports.videos.records[copy.id] = copy
    query = parse_query("beach", None)
    found, cursor = await search_mine(ports, "alice", query, 10, None)
    assert found == []
    assert cursor is not None  # a short page; the next one carries on
    found, cursor = await search_mine(ports, "alice", query, 10, cursor)
    assert ([v.id for v in found], cursor) == ([match.id], None)
