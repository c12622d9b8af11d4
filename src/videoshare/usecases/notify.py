"""Notifying an owner: `video.ready / video.rejected / video.failed` → an entry in the owner's
inbox, and a delivery for the owner's webhook if there is one (sent by `deliver_webhook`).

The entry's id is the event's id, so a redelivered event never makes a second entry. The
webhook delivery is queued every time (even for an event seen before): its id derives from the
event's id, so receivers drop a repeat.
"""

from __future__ import annotations

import time
from typing import Protocol

from videoshare.domain.events import VideoFailed, VideoReady, VideoRejected
from videoshare.domain.notifications import Notification
from videoshare.domain.webhooks import Delivery, delivery_id
from videoshare.usecases.ports import (
    DeliveryQueue,
    Inbox,
    VideoStore,
    WebhookRegistry,
)

NotifiedEvent = VideoReady | VideoRejected | VideoFailed


class NotifierPorts(Protocol):
    @property
    def videos(self) -> VideoStore: ...

    @property
    def notifications(self) -> Inbox: ...

    @property
    def webhooks(self) -> WebhookRegistry: ...

    @property
    def deliveries(self) -> DeliveryQueue: ...


def message_for(event: NotifiedEvent, title: str) -> str:
    """The sentence the owner reads."""
    match event:
        case VideoReady():
            return f"“{title}” is ready to watch."
        case VideoRejected():
            return f"“{title}” was not accepted: {event.data.reason}"
        case VideoFailed():
            return f"“{title}” could not be processed: {event.data.reason}"


async def notify_owner(
    ports: NotifierPorts, event: NotifiedEvent, *, now: float | None = None
) -> None:
    """Tell the owner of `event`'s video what became of it: inbox, then webhook. `now` (epoch
    seconds) is when the webhook's first attempt is due."""
    if isinstance(event, VideoReady):
        title = event.data.title
    else:
        video = await ports.videos.get(event.data.video_id)
        title = video.title if video else "Your video"
    await ports.notifications.add(
        Notification(
            id=event.id,
            user_id=event.data.owner_id,
            type=event.type,
            video_id=event.data.video_id,
            created_at=event.occurred_at,
            message=message_for(event, title),
        )
    )
    await announce(ports, event, now=time.time() if now is None else now)


async def announce(ports: NotifierPorts, event: NotifiedEvent, *, now: float) -> None:
    """A first delivery attempt of `event` on the webhook queue, when its owner has a webhook."""
    owner = event.data.owner_id
    if await ports.webhooks.get(owner) is None:
        return
    delivery = Delivery(
        delivery_id=delivery_id(event.id),
        user_id=owner,
        event_type=event.type,
        correlation_id=event.correlation_id,
        payload={
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.data.model_dump(mode="json"),
        },
        first_attempt_at=now,
    )
    await ports.deliveries.enqueue(delivery, 0)
