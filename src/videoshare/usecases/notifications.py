"""The caller's notification inbox, newest first, a page at a time."""

from __future__ import annotations

from typing import Protocol

from videoshare.domain.notifications import Notification
from videoshare.usecases.ports import Inbox


class InboxPorts(Protocol):
    @property
    def notifications(self) -> Inbox: ...


async def inbox_page(
    ports: InboxPorts, user_id: str, limit: int, cursor: str | None
) -> tuple[list[Notification], str | None]:
    """A page of the caller's notifications; `BadCursor` for a cursor of another inbox."""
    return await ports.notifications.list(user_id, limit, cursor)
