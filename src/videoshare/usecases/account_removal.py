"""Removing a deleted account (housekeeping, on `account.deleted`): everything of it, then the
user itself.

For each of the owner's videos (every status, deleted ones too): its objects (multipart
uploads aborted), its search entries and its record. Then the owner's inbox, webhook, storage
reservations and counters (videos created today and yesterday, failed logins of this window),
and last the user in the pool, so a removal that stops midway is finished by the redelivery
(each step finds nothing the second time). The person's tokens were refused before the event
was published (`usecases/accounts.delete_account`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from videoshare.domain.events import AccountDeleted
from videoshare.settings import Settings
from videoshare.usecases.housekeeping import delete_video_objects
from videoshare.usecases.limits import forget_login_failures, forget_owner_counts
from videoshare.usecases.ports import (
    Counters,
    IdentityProvider,
    Inbox,
    ObjectStore,
    ProcessingSlots,
    StorageQuota,
    TermIndex,
    VideoStore,
    WebhookRegistry,
)

_PAGE = 100


class RemovalPorts(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def videos(self) -> VideoStore: ...
    @property
    def objects(self) -> ObjectStore: ...
    @property
    def search(self) -> TermIndex: ...
    @property
    def notifications(self) -> Inbox: ...
    @property
    def webhooks(self) -> WebhookRegistry: ...
    @property
    def quota(self) -> StorageQuota: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def slots(self) -> ProcessingSlots: ...
    @property
    def identity(self) -> IdentityProvider: ...


@dataclass(frozen=True, slots=True)
class Removed:
    videos: int
    objects: int
    notifications: int


async def remove_account(ports: RemovalPorts, event: AccountDeleted, now: float) -> Removed:
    user_id = event.data.user_id
    # Every id first, then the removals: the owner index is read to its end once, so what is
    # removed meanwhile never shifts a page.
    video_ids: list[str] = []
    cursor: str | None = None
    while True:
        page = await ports.videos.list_by_owner(user_id, _PAGE, cursor)
        video_ids += [v.id for v in page.items if v.owner_id == user_id]
        cursor = page.next_cursor
        if cursor is None:
            break
    objects = 0
    for video_id in video_ids:
        objects += await delete_video_objects(ports.objects, video_id)
        await ports.search.reindex(video_id, None)
        await ports.videos.remove(video_id)
    notifications = await ports.notifications.clear(user_id)
    await ports.webhooks.delete(user_id)
    await ports.quota.forget(user_id)
    await ports.slots.forget(user_id)
    await forget_owner_counts(ports, user_id, now)
    await forget_login_failures(ports, event.data.email, now)
    await ports.identity.delete_user(event.data.username)
    return Removed(len(video_ids), objects, notifications)
