"""Delivering a webhook: one signed POST per delivery attempt, retried for about a day.

    received before its `not_before`            → back on the queue for the rest of the wait
    the user has no webhook now                 → dropped
    a 2xx                                       → delivered
    the target is not allowed (private address) → Reject unsafe_target
    no answer, or not a 2xx                     → the next attempt queued, `retry_delay_s` later
                                                  (30 s doubling up to 6 h)
    … later than ~24 h after the first attempt  → Reject gave_up

SQS delays are at most 15 min, so a longer wait is several hops: each is this table's first
row. Every attempt carries the same delivery id and the same body, for receivers to
de-duplicate. The URL and secret are read at each attempt, so a changed or removed webhook
takes effect at once. Neither the secret nor the body is ever logged.
"""

from __future__ import annotations

import json
import time
from typing import Protocol
from urllib.parse import urlsplit

import structlog

from videoshare.bus.outcomes import Reject
from videoshare.domain.webhooks import RETRY_FOR_S, Delivery, retry_delay_s
from videoshare.usecases.ports import DeliveryQueue, WebhookPoster, WebhookRegistry

log = structlog.get_logger("webhook-sender")

# A delivery this close to its `not_before` is sent now rather than delayed again.
EARLY_TOLERANCE_S = 1.0


class SenderPorts(Protocol):
    @property
    def webhooks(self) -> WebhookRegistry: ...

    @property
    def deliveries(self) -> DeliveryQueue: ...

    @property
    def webhook_poster(self) -> WebhookPoster: ...


def delivery_body(delivery: Delivery) -> bytes:
    """What the receiver gets: the same bytes on every attempt."""
    document = {"id": delivery.delivery_id, "type": delivery.event_type, **delivery.payload}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


async def deliver_webhook(
    ports: SenderPorts, delivery: Delivery, *, retry_base_s: float, now: float | None = None
) -> None:
    """Make this attempt of `delivery` (at `now`, epoch seconds), or queue it again."""
    now = time.time() if now is None else now
    if delivery.not_before > now + EARLY_TOLERANCE_S:
        await ports.deliveries.enqueue(delivery, delivery.not_before - now)
        return
    hook = await ports.webhooks.get(delivery.user_id)
    if hook is None:
        log.info("webhook_dropped", delivery_id=delivery.delivery_id, reason="no webhook")
        return
    result = await ports.webhook_poster.post(hook, delivery, delivery_body(delivery))
    log.info(
        "webhook_attempt",
        delivery_id=delivery.delivery_id,
        event_type=delivery.event_type,
        host=urlsplit(hook.url).hostname,
        attempt=delivery.attempt,
        delivered=result.delivered,
        status=result.status,
        error=result.error,
    )
    if result.delivered:
        return
    if result.refused:
        raise Reject(f"webhook target not allowed: {result.error}", code="unsafe_target")
    delay = retry_delay_s(delivery.attempt, retry_base_s)
    if now + delay > delivery.first_attempt_at + RETRY_FOR_S:
        raise Reject(
            f"webhook not delivered after {delivery.attempt + 1} attempts over ~24 h "
            f"(last: {result.status or result.error})",
            code="gave_up",
        )
    retry = delivery.model_copy(update={"attempt": delivery.attempt + 1, "not_before": now + delay})
    await ports.deliveries.enqueue(retry, delay)
