"""The webhook ports the workers use, in memory: the registrations (as the ingress's fake of
`WebhookRegistry` keeps them), the delivery queue, and a poster whose answers a test scripts
(200 unless told otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

from videoshare.domain.webhooks import Delivery
from videoshare.usecases.ports import AttemptResult, Webhook

DELIVERED = AttemptResult(delivered=True, status=200)


@dataclass(frozen=True, slots=True)
class Queued:
    delivery: Delivery
    delay_s: float


class FakeDeliveryQueue:
    def __init__(self) -> None:
        self.queued: list[Queued] = []

    async def enqueue(self, delivery: Delivery, delay_s: float) -> None:
        self.queued.append(Queued(delivery, delay_s))


@dataclass(frozen=True, slots=True)
class Post:
    hook: Webhook
    delivery: Delivery
    body: bytes


class FakeWebhookPoster:
    def __init__(self, *results: AttemptResult) -> None:
        self.results = list(results)  # answered in turn, then `DELIVERED`
        self.posts: list[Post] = []

    async def post(self, hook: Webhook, delivery: Delivery, body: bytes) -> AttemptResult:
        self.posts.append(Post(hook, delivery, body))
        return self.results.pop(0) if self.results else DELIVERED
