"""`Inbox` in memory: each user's notifications newest first, idempotent by id, paged with
cursors that name their inbox."""

from __future__ import annotations

import base64
import json

from videoshare.domain.errors import BadCursor
from videoshare.domain.notifications import Notification


class FakeInbox:
    def __init__(self) -> None:
        self.notes: dict[str, Notification] = {}

    async def add(self, note: Notification) -> bool:
        """Store `note`; False when a notification with its id was already there."""
        if note.id in self.notes:
            return False
        self.notes[note.id] = note
        return True

    async def clear(self, user_id: str) -> int:
        mine = [k for k, note in self.notes.items() if note.user_id == user_id]
        for key in mine:
            del self.notes[key]
        return len(mine)

    async def list(
        self, user_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Notification], str | None]:
        mine = sorted(
            (n for n in self.notes.values() if n.user_id == user_id),
            key=lambda n: (n.created_at, n.id),
            reverse=True,
        )
        start = 0
        if cursor is not None:
            after = _decode(cursor, user_id)
            start = next((i + 1 for i, n in enumerate(mine) if n.id == after), len(mine))
        page = mine[start : start + limit]
        more = start + limit < len(mine)
        return page, _encode(user_id, page[-1].id) if more and page else None


def _encode(user_id: str, note_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([user_id, note_id]).encode()).decode()


def _decode(cursor: str, user_id: str) -> str:
    try:
        owner, note_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise BadCursor("the cursor is not one this service gave out") from exc
    if owner != user_id:
        raise BadCursor("the cursor belongs to another inbox")
    return str(note_id)
