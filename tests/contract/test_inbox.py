"""`Inbox`: `FakeInbox` and `adapters.notifications.NotificationRepository` (DynamoDB) answer
alike (adding is the notifier's; it is here because reading needs something to read)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Protocol

import pytest

from tests.contract.conftest import Emulated
from tests.fakes.notifications import FakeInbox
from videoshare.adapters.notifications import NotificationRepository
from videoshare.domain.errors import BadCursor
from videoshare.domain.events import utc_now
from videoshare.domain.notifications import Notification
from videoshare.infra.topology import NOTIFICATIONS_TABLE
from videoshare.usecases.ports import Inbox

START = utc_now().replace(microsecond=0)


class WritableInbox(Inbox, Protocol):
    async def add(self, note: Notification) -> bool: ...


@pytest.fixture
async def inbox(backend: Emulated | None) -> WritableInbox:
    if backend is None:
        return FakeInbox()
    table = await backend.fresh_table(NOTIFICATIONS_TABLE)
    return NotificationRepository(backend.aws.dynamodb, table)


def _note(user_id: str, seconds: int) -> Notification:
    return Notification(
        id=str(uuid.uuid4()),
        user_id=user_id,
        type="video.ready",
        video_id=uuid.uuid4().hex,
        created_at=START + timedelta(seconds=seconds),
        message=f"note {seconds}",
    )


async def test_an_inbox_lists_its_own_notes_newest_first_in_pages(inbox: WritableInbox) -> None:
    mine = [_note("alice", i) for i in range(5)]
    for note in [*mine, _note("bob", 9)]:
        assert await inbox.add(note)
    seen: list[Notification] = []
    cursor: str | None = None
    while True:
        page, cursor = await inbox.list("alice", 2, cursor)
        assert len(page) <= 2
        seen += page
        if cursor is None:
            break
    assert seen == list(reversed(mine))


async def test_a_note_is_added_once_whatever_its_time(inbox: WritableInbox) -> None:
    note = _note("alice", 0)
    assert await inbox.add(note)
    assert not await inbox.add(note.model_copy(update={"created_at": START + timedelta(hours=1)}))
    notes, _ = await inbox.list("alice", 10, None)
    assert notes == [note]


async def test_a_cursor_opens_only_the_inbox_that_gave_it(inbox: WritableInbox) -> None:
    for i in range(3):
        await inbox.add(_note("bob", i))
    _, cursor = await inbox.list("bob", 1, None)
    assert cursor is not None
    with pytest.raises(BadCursor, match="another inbox"):
        await inbox.list("alice", 1, cursor)
    with pytest.raises(BadCursor):
        await inbox.list("bob", 1, "not-a-cursor")


async def test_clearing_an_inbox_removes_its_notes_and_no_one_elses(inbox: WritableInbox) -> None:
    for i in range(3):
        await inbox.add(_note("alice", i))
    bobs = _note("bob", 0)
    await inbox.add(bobs)
    assert await inbox.clear("alice") == 3
    assert await inbox.list("alice", 10, None) == ([], None)
    assert await inbox.add(_note("alice", 0))  # its id markers went too
    assert (await inbox.list("bob", 10, None))[0] == [bobs]
    assert await inbox.clear("nobody") == 0
