"""The owner changes or deletes a video.

Both are conditional writes on the record's version (and status): when another writer got there
first (a worker moving the status, a concurrent edit) the record is read again and the change
applied to what is there now, `MAX_ATTEMPTS` times at most, then `EditConflict`. Each successful
write publishes its event (`video.updated` with the names of the changed fields, `video.deleted`)
with the request id as correlation id; a deletion's objects are removed later by housekeeping.

Who may: the owner. Others get `VideoNotFound` where they could not see the video at all (a
private video, one not ready yet) and `OwnerOnly` where they could.
"""

from __future__ import annotations

from typing import Protocol

from videoshare.domain.errors import EditConflict, OwnerOnly, VideoConflict
from videoshare.domain.events import video_deleted, video_updated
from videoshare.domain.video import Video, VideoEdit
from videoshare.usecases.limits import release_storage
from videoshare.usecases.ports import EventPublisher, ProcessingSlots, StorageQuota, VideoStore
from videoshare.usecases.processing_turns import end_turn
from videoshare.usecases.videos import PRODUCER, ReadPorts, readable_video

# Conflicting writers are rare (a worker moving the status); a few re-reads settle it.
MAX_ATTEMPTS = 5


class EditPorts(Protocol):
    @property
    def videos(self) -> VideoStore: ...
    @property
    def publisher(self) -> EventPublisher: ...
    @property
    def quota(self) -> StorageQuota: ...
    @property
    def slots(self) -> ProcessingSlots: ...


async def owned_video(ports: ReadPorts, video_id: str, user_id: str) -> Video:
    """The video if `user_id` owns it: `VideoNotFound` where they cannot see it, `OwnerOnly`
    where they can."""
    video = await readable_video(ports, video_id, user_id)
    if video.owner_id != user_id:
        raise OwnerOnly("Only the owner of this video can change or delete it.")
    return video


async def edit_video(
    ports: EditPorts, video_id: str, user_id: str, edit: VideoEdit, correlation_id: str
) -> Video:
    """The video with `edit` applied; unchanged (nothing written or told) when it changes
    nothing."""
    for _ in range(MAX_ATTEMPTS):
        video = await owned_video(ports, video_id, user_id)
        changed = video.edit_changes(edit)
        if not changed:
            return video
        try:
            saved = await ports.videos.save(video.edited(edit), expected=video)
        except VideoConflict:
            continue
        await ports.publisher.publish(
            video_updated(saved, changed, correlation_id=correlation_id, producer=PRODUCER)
        )
        return saved
    raise EditConflict()


async def delete_video(ports: EditPorts, video_id: str, user_id: str, correlation_id: str) -> None:
    for _ in range(MAX_ATTEMPTS):
        video = await owned_video(ports, video_id, user_id)
        try:
            deleted = await ports.videos.save(video.deleted(), expected=video)
        except VideoConflict:
            continue
        # its storage and processing turn are free again at once (housekeeping, deleting the
        # objects, releases them too: should this process die here, nothing is held for ever)
        await release_storage(ports, video.owner_id, video.id)
        await end_turn(ports, video.owner_id, video.id)
        await ports.publisher.publish(
            video_deleted(deleted, correlation_id=correlation_id, producer=PRODUCER)
        )
        return
    raise EditConflict()
