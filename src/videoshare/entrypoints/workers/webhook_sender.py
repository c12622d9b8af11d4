"""webhook-sender: one signed POST per delivery on its queue, retried for about a day.

The notifier puts a `Delivery` on this worker's queue for every `video.ready / rejected /
failed` of a user with a webhook. An attempt that fails (no answer, or not a 2xx) is put back
on the queue as the next attempt, delayed by `retry_delay_s` (30 s doubling up to 6 h). SQS
delays are at most 15 min, so a longer wait is several hops: a delivery received before its
`not_before` goes straight back with the rest of the wait. After about 24 h, or when the
target is not allowed (a private address), the delivery goes to the dead-letter queue with the
reason. Every attempt carries the same `Videoshare-Delivery` id, for receivers to de-duplicate.

The URL and secret are read at each attempt, so a changed or removed webhook takes effect at
once. Neither the secret nor the body is ever logged.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import structlog
from pydantic import ValidationError

from videoshare.adapters.webhooks import post_delivery
from videoshare.bus.outcomes import Reject
from videoshare.domain.webhooks import DELIVERY_TYPE, RETRY_FOR_S, Delivery, retry_delay_s
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition

log = structlog.get_logger("webhook-sender")

# A delivery this close to its `not_before` is sent now rather than delayed again.
EARLY_TOLERANCE_S = 1.0


def decode_delivery(body: str) -> Delivery:
    try:
        return Delivery.model_validate_json(body)
    except ValidationError as exc:
        raise Reject(f"not a webhook delivery: {exc.errors()[0]['msg']}", code="malformed") from exc


def delivery_body(delivery: Delivery) -> bytes:
    """What the receiver gets: the same bytes on every attempt."""
    document = {"id": delivery.delivery_id, "type": delivery.event_type, **delivery.payload}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def definition(ctx: WorkerContext) -> WorkerDefinition:
    hooks, deliveries = ctx.deps.webhooks, ctx.deps.deliveries
    allow_private = ctx.settings.webhooks_may_call_private
    base_s = ctx.settings.webhook_retry_base_s

    async def deliver(delivery: Delivery) -> None:
        now = time.time()
        if delivery.not_before > now + EARLY_TOLERANCE_S:
            await deliveries.enqueue(delivery, delivery.not_before - now)
            return
        hook = await hooks.get(delivery.user_id)
        if hook is None:
            log.info("webhook_dropped", delivery_id=delivery.delivery_id, reason="no webhook")
            return
        outcome = await post_delivery(
            hook, delivery, delivery_body(delivery), allow_private=allow_private
        )
        log.info(
            "webhook_attempt",
            delivery_id=delivery.delivery_id,
            event_type=delivery.event_type,
            host=urlsplit(hook.url).hostname,
            attempt=delivery.attempt,
            delivered=outcome.delivered,
            status=outcome.status,
            error=outcome.error,
        )
        if outcome.delivered:
            return
        if outcome.refused:
            raise Reject(f"webhook target not allowed: {outcome.error}", code="unsafe_target")
        delay = retry_delay_s(delivery.attempt, base_s)
        if now + delay > delivery.first_attempt_at + RETRY_FOR_S:
            raise Reject(
                f"webhook not delivered after {delivery.attempt + 1} attempts over ~24 h "
                f"(last: {outcome.status or outcome.error})",
                code="gave_up",
            )
        retry = delivery.model_copy(
            update={"attempt": delivery.attempt + 1, "not_before": now + delay}
        )
        await deliveries.enqueue(retry, delay)

    return WorkerDefinition(handlers={DELIVERY_TYPE: deliver}, decode=decode_delivery)
