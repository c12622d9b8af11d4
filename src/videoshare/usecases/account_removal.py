"""Removing a deleted account (housekeeping, on `account.deleted`): everything of it, then the
user itself.

For each of the owner's videos (every status, deleted ones too): one not at rest yet marked
deleted first (a transcode under way stops at its next look at the record, and one finishing
deletes what it put: `usecases/transcode.py`), then its objects (multipart uploads aborted), its
search entries and its record. Then the owner's inbox, webhook, storage
reservations, processing turns and counters (videos created and seconds processed, today and
yesterday), and last the user in the pool, so a removal that stops midway is finished by the
redelivery (each step finds nothing the second time). The person's tokens were refused before
the event was published (`usecases/accounts.delete_account`). Failed-login streaks are kept
under a hash of the e-mail and the address, not the user; the one of the address that deleted
the account ended with its right password, and any other is forgotten a day after its last
attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import AccountDeleted
from videoshare.domain.video import TERMINAL
from videoshare.settings import Settings
from videoshare.usecases.housekeeping import delete_video_objects
from videoshare.usecases.limits import forget_owner_counts
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
_MARK_ATTEMPTS = 5


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
        await _mark_deleted(ports.videos, video_id)
        objects += await delete_video_objects(ports.objects, video_id)
        await ports.search.reindex(video_id, None)
        await ports.videos.remove(video_id)
    notifications = await ports.notifications.clear(user_id)
    await ports.webhooks.delete(user_id)
    await ports.quota.forget(user_id)
    await ports.slots.forget(user_id)
    await forget_owner_counts(ports, user_id, now)
    await ports.identity.delete_user(event.data.username)
    return Removed(len(video_ids), objects, notifications)


async def _mark_deleted(videos: VideoStore, video_id: str) -> None:
    """The video marked deleted unless it is at rest (ready, rejected, failed, deleted): before
    its objects go, so a transcoder still putting outputs sees it and deletes them itself. A
    lost race with its progress writes is read again; the record goes anyway a moment later."""
    for _ in range(_MARK_ATTEMPTS):
        video = await videos.get(video_id)
        if video is None or video.status in TERMINAL:
            return
        try:
            await videos.save(video.deleted(), expected=video)
            return
        except VideoConflict:
            continue
