"""Status changes shared by the workers: conditional transitions that tolerate duplicates and
races, and the give-up path that marks a video `failed`."""

from __future__ import annotations

import structlog

from videoshare.bus.outcomes import RetryLater
from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import VideoFailed, VideoFailedData, follow_up
from videoshare.domain.video import Video, VideoStatus, can_transition
from videoshare.entrypoints.workers.context import WorkerContext

log = structlog.get_logger("lifecycle")


async def move(ctx: WorkerContext, changed: Video, *, expected: Video) -> Video:
    """Write `changed` (a transition of `expected`); a concurrent writer means: read again,
    later."""
    try:
        return await ctx.videos.save(changed, expected=expected)
    except VideoConflict as exc:
        raise RetryLater(f"video {expected.id} changed while being updated", delay_s=1) from exc


def correlation_of(video: Video, fallback: str) -> str:
    return video.correlation_id or fallback


def rejected_after_upload(video: Video) -> bool:
    """Whether `video` was rejected after its upload was accepted (by the transcoder), rather
    than by the upload-finalizer: accepting an upload records `size_bytes`, rejecting it not."""
    return video.status is VideoStatus.REJECTED and video.size_bytes is not None


async def give_up(ctx: WorkerContext, video_id: str, cause_id: str, reason: str) -> None:
    """Processing gave up on `video_id`: mark it `failed` (when it still can be) and tell."""
    video = await ctx.videos.get(video_id)
    if video is None:
        return
    if can_transition(video.status, VideoStatus.FAILED):
        try:
            video = await ctx.videos.save(video.failed(reason), expected=video)
        except VideoConflict:
            log.warning("give_up_conflict", video_id=video_id)
            return
    elif video.status is not VideoStatus.FAILED:
        return
    await ctx.publisher.publish(
        follow_up(
            VideoFailed,
            cause_id=cause_id,
            correlation_id=correlation_of(video, cause_id),
            producer=ctx.name,
            data=VideoFailedData(video_id=video.id, owner_id=video.owner_id, reason=reason),
        )
    )
