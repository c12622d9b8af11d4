"""The caller's inbox (`usecases/notifications.py`)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.usecases.support import FakePorts
from videoshare.domain.errors import BadCursor
from videoshare.domain.events import utc_now
from videoshare.domain.notifications import Notification
from videoshare.usecases.notifications import inbox_page


async def _note(ports: FakePorts, user_id: str, seconds: int) -> Notification:
    note = Notification(
        id=str(uuid.uuid4()),
        user_id=user_id,
        type="video.ready",
        video_id=uuid.uuid4().hex,
        created_at=utc_now() + timedelta(seconds=seconds),
        message=f"note {seconds}",
    )
    await ports.notifications.add(note)
    return note


async def test_my_inbox_newest_first_in_pages(ports: FakePorts) -> None:
    mine = [await _note(ports, "alice", i) for i in range(3)]
    await _note(ports, "bob", 10)
    first, cursor = await inbox_page(ports, "alice", 2, None)
    assert [n.id for n in first] == [mine[2].id, mine[1].id]
    assert cursor is not None
    rest, cursor = await inbox_page(ports, "alice", 2, cursor)
    assert ([n.id for n in rest], cursor) == ([mine[0].id], None)


async def test_a_cursor_of_another_inbox_does_not_open_it(ports: FakePorts) -> None:
    for i in range(3):
        await _note(ports, "bob", i)
    _, theirs = await inbox_page(ports, "bob", 1, None)
    assert theirs is not None
    with pytest.raises(BadCursor, match="another inbox"):
        await inbox_page(ports, "alice", 1, theirs)
