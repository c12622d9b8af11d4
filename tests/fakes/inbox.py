"""`NotificationInbox` in memory: one entry per id, whatever its time (a second `add` of the
same id is a no-op that answers False)."""

from __future__ import annotations

from videoshare.domain.notifications import Notification


class FakeInbox:
    def __init__(self) -> None:
        self.notes: dict[str, Notification] = {}

    async def add(self, note: Notification) -> bool:
        if note.id in self.notes:
            return False
        self.notes[note.id] = note
        return True

    def of(self, user_id: str) -> list[Notification]:
        """The user's inbox, newest first."""
        mine = [n for n in self.notes.values() if n.user_id == user_id]
        return sorted(mine, key=lambda n: (n.created_at, n.id), reverse=True)
