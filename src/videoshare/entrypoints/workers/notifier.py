"""notifier: `video.ready / video.rejected / video.failed` → an entry in the owner's inbox, and
a delivery for the owner's webhook if there is one (sent by `webhook_sender`).

The entry's id is the event's id, so a redelivered event never makes a second entry; the
webhook delivery's id derives from the event's id too, so receivers can drop a repeat."""

from __future__ import annotations

from videoshare.adapters.notifications import Notification
from videoshare.domain.events import VideoFailed, VideoReady, VideoRejected
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.entrypoints.workers.webhook_announcer import webhook_announcer

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
    announce = webhook_announcer(ctx)

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
        await announce(event)

    return WorkerDefinition(
        handlers={"video.ready": notify, "video.rejected": notify, "video.failed": notify}
    )
