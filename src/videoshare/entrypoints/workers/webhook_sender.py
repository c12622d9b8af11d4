"""webhook-sender: one signed POST per delivery on its queue, retried for about a day
(`usecases/deliver_webhook.py`).

Its queue carries `Delivery` messages (put there by the notifier, and by this worker for each
next attempt), not domain events: a body that is not one goes to the dead-letter queue.
"""

from __future__ import annotations

from pydantic import ValidationError

from videoshare.bus.outcomes import Reject
from videoshare.domain.webhooks import DELIVERY_TYPE, Delivery
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.usecases.deliver_webhook import deliver_webhook


def decode_delivery(body: str) -> Delivery:
    try:
        return Delivery.model_validate_json(body)
    except ValidationError as exc:
        raise Reject(f"not a webhook delivery: {exc.errors()[0]['msg']}", code="malformed") from exc


def definition(ctx: WorkerContext) -> WorkerDefinition:
    retry_base_s = ctx.deps.settings.webhook_retry_base_s

    async def deliver(delivery: Delivery) -> None:
        await deliver_webhook(ctx.deps, delivery, retry_base_s=retry_base_s)

    return WorkerDefinition(handlers={DELIVERY_TYPE: deliver}, decode=decode_delivery)
