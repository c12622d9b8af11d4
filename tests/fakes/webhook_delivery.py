"""The webhook ports in memory: the registrations as the workers read them, the delivery queue,
and a poster whose answers a test scripts (200 unless told otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

from videoshare.domain.events import utc_now
from videoshare.domain.webhooks import Delivery, Webhook
from videoshare.usecases.ports import AttemptResult

DELIVERED = AttemptResult(delivered=True, status=200)


class FakeWebhookRegistrations:
    def __init__(self) -> None:
        self.hooks: dict[str, Webhook] = {}

    def register(self, user_id: str, url: str = "https://hooks.example/in") -> Webhook:
        hook = Webhook(user_id, url, "whsec_fake", utc_now())
        self.hooks[user_id] = hook
        return hook

    async def get(self, user_id: str) -> Webhook | None:
        return self.hooks.get(user_id)


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
