"""Status changes the workers share: a transition written conditionally, which a concurrent
writer turns into "read again, later", and giving up on a video (`→ failed`, `video.failed`).

    video = await move(videos, video.processing(), expected=video)   # RetryLater on a race
    await give_up(ports, video_id, cause_id=…, reason="…", producer="transcoder")
"""

from __future__ import annotations

from typing import Protocol

import structlog

from videoshare.bus.outcomes import RetryLater
from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import video_failed
from videoshare.domain.video import Video, VideoStatus, can_transition
from videoshare.usecases.ports import EventPublisher, ProcessingSlots, VideoStore

log = structlog.get_logger("lifecycle")


class LifecyclePorts(Protocol):
    @property
    def videos(self) -> VideoStore: ...

    @property
    def publisher(self) -> EventPublisher: ...

    @property
    def slots(self) -> ProcessingSlots: ...


async def move(videos: VideoStore, changed: Video, *, expected: Video) -> Video:
    """Write `changed` (a transition of `expected`); a concurrent writer means: read again,
    later (`RetryLater`)."""
    try:
        return await videos.save(changed, expected=expected)
    except VideoConflict as exc:
        raise RetryLater(f"video {expected.id} changed while being updated", delay_s=1) from exc


def rejected_after_upload(video: Video) -> bool:
    """Whether `video` was rejected after its upload was accepted (by the transcoder), rather
    than by the upload-finalizer: accepting an upload records `size_bytes`, rejecting it not."""
    return video.status is VideoStatus.REJECTED and video.size_bytes is not None


async def give_up(
    ports: LifecyclePorts, video_id: str, *, cause_id: str, reason: str, producer: str
) -> None:
    """Processing gave up on `video_id` (the message `cause_id` failed its last attempt): mark
    it `failed` when it still can be, end its processing turn, and say so. Said again when it
    is `failed` already (an earlier give-up may have crashed before publishing); the event id
    follows from `cause_id`."""
    video = await ports.videos.get(video_id)
    if video is None:
        return
    if can_transition(video.status, VideoStatus.FAILED):
        try:
            video = await ports.videos.save(video.failed(reason), expected=video)
        except VideoConflict:
            log.warning("give_up_conflict", video_id=video_id)
            return
    elif video.status is not VideoStatus.FAILED:
        return
    await ports.publisher.publish(video_failed(video, reason, cause_id=cause_id, producer=producer))
    # its processing turn ends (last: should this fail, the slot lapses by itself)
    await ports.slots.release(video.owner_id, video.id)
