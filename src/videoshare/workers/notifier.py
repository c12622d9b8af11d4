"""notifier: `video.ready / video.rejected / video.failed` → an entry in the owner's inbox.

The entry's id is the event's id, so a redelivered event never makes a second entry."""

from __future__ import annotations

from videoshare.adapters.notifications import Notification
from videoshare.domain.events import VideoFailed, VideoReady, VideoRejected
from videoshare.workers.context import WorkerContext, WorkerDefinition

NotifiedEvent = VideoReady | VideoRejected | VideoFailed


def message_for(event: NotifiedEvent, title: str) -> str:
    """The sentence the owner reads."""
    match event:
        case VideoReady():
            return f"“{title}” is ready to watch."
        case VideoRejected():
            return f"“{title}” was not accepted: {event.data.reason}"
        case VideoFailed():
            return f"“{title}” could not be processed: {event.data.reason}"


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def notify(event: NotifiedEvent) -> None:
        if isinstance(event, VideoReady):
            title = event.data.title
        else:
            video = await ctx.videos.get(event.data.video_id)
            title = video.title if video else "Your video"
        await ctx.notifications.add(
            Notification(
                id=event.id,
                user_id=event.data.owner_id,
                type=event.type,
                video_id=event.data.video_id,
                created_at=event.occurred_at,
                message=message_for(event, title),
            )
        )

    return WorkerDefinition(
        handlers={"video.ready": notify, "video.rejected": notify, "video.failed": notify}
    )
