"""The notifier's webhook part: a `Delivery` on the webhook-sender's queue for an event whose
owner has a webhook. Always sent (even for an event seen before): receivers de-duplicate by
the delivery id, which is derived from the event's id."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from videoshare.adapters.webhooks import WebhookRepository, enqueue
from videoshare.domain.events import VideoFailed, VideoReady, VideoRejected
from videoshare.domain.webhooks import Delivery, delivery_id
from videoshare.infra.topology import WEBHOOK_SENDER, WEBHOOKS_TABLE
from videoshare.workers.context import WorkerContext

AnnouncedEvent = VideoReady | VideoRejected | VideoFailed


def webhook_announcer(ctx: WorkerContext) -> Callable[[AnnouncedEvent], Awaitable[None]]:
    hooks = WebhookRepository(ctx.aws.dynamodb, ctx.settings.table(WEBHOOKS_TABLE))
    queue_url = ctx.resources.queue_urls[WEBHOOK_SENDER]

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
        await enqueue(ctx.aws.sqs, queue_url, delivery, 0)

    return announce
