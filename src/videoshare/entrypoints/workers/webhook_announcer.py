"""The notifier's webhook part: a `Delivery` on the webhook-sender's queue for an event whose
owner has a webhook. Always sent (even for an event seen before): receivers de-duplicate by
the delivery id, which is derived from the event's id."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from videoshare.domain.events import VideoFailed, VideoReady, VideoRejected
from videoshare.domain.webhooks import Delivery, delivery_id
from videoshare.entrypoints.workers.context import WorkerContext

AnnouncedEvent = VideoReady | VideoRejected | VideoFailed


def webhook_announcer(ctx: WorkerContext) -> Callable[[AnnouncedEvent], Awaitable[None]]:
    hooks, deliveries = ctx.deps.webhooks, ctx.deps.deliveries

    async def announce(event: AnnouncedEvent) -> None:
        owner = event.data.owner_id
        if await hooks.get(owner) is None:
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
            first_attempt_at=time.time(),
        )
        await deliveries.enqueue(delivery, 0)

    return announce
