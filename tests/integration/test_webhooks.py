"""Webhooks end to end on the emulator: registration through the API, and deliveries from the
notifier through the webhook-sender to a real HTTP receiver on this machine.

The receiver is an aiohttp server of the test's own on 127.0.0.1, so these stacks run with
local mode's `webhook_allow_private_targets` on (and a 1 s retry base); one test runs with it
off and shows the same receiver is then never called.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks import WebhookVerificationError

from tests.integration.api_support import (
    Client,
    Stack,
    expect_problem,
    provisioned_stack,
    running_api,
    sign_up,
)
from tests.integration.bus_support import take_all
from tests.integration.worker_support import Worker, deliver, start_worker
from tests.support import eventually
from videoshare.adapters.webhooks import WebhookRepository
from videoshare.bus.settlement import Outcome
from videoshare.domain.events import VideoReady, VideoReadyData
from videoshare.domain.webhooks import EVENT_HEADER, ID_HEADER, delivery_id, new_secret
from videoshare.entrypoints.workers import notifier, webhook_sender
from videoshare.infra.topology import NOTIFIER, WEBHOOK_SENDER, WEBHOOKS_TABLE
from videoshare.local.emulator import Emulator

pytestmark = pytest.mark.integration


@dataclass
class Receiver:
    """Answers each POST with the next status of `statuses` (then 200) and keeps them all."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        status = self.statuses.pop(0) if self.statuses else 200
        self.received.append((dict(request.headers), await request.read(), status))
        return web.Response(status=status)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/hook", state.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        yield state, str(server.make_url("/hook"))


@pytest.fixture(scope="module")
async def local_stack(emulator: Emulator) -> AsyncIterator[Stack]:
    async with provisioned_stack(emulator) as stack:
        settings = stack.settings.model_copy(
            update={"webhook_allow_private_targets": True, "webhook_retry_base_s": 1.0}
        )
        yield Stack(settings, stack.aws, stack.resources)


@pytest.fixture(scope="module")
async def local_api(local_stack: Stack) -> AsyncIterator[Client]:
    async with running_api(local_stack.settings) as client:
        yield client


def _workers(stack: Stack) -> tuple[Worker, Worker]:
    args = (stack.settings, stack.aws, stack.resources)
    return (
        start_worker(NOTIFIER, notifier.definition, *args),
        start_worker(WEBHOOK_SENDER, webhook_sender.definition, *args),
    )


def _ready(owner_id: str) -> VideoReady:
    return VideoReady(
        correlation_id="req-webhook-test",
        producer="metadata-indexer",
        data=VideoReadyData(video_id="a" * 32, owner_id=owner_id, title="Harbour"),
    )


# --- the API -----------------------------------------------------------------------------------
async def test_put_get_delete(local_api: Client, receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    user = await sign_up(local_api)
    await expect_problem(await local_api.get("/v1/webhook", headers=user.headers), 404)

    first = await local_api.put("/v1/webhook", json={"url": url}, headers=user.headers)
    assert first.status == 200
    assert first.headers["Cache-Control"] == "no-store"
    made = await first.json()
    assert made["url"] == url
    assert made["secret"].startswith("whsec_")
    assert await (await local_api.get("/v1/webhook", headers=user.headers)).json() == made

    again = await (
        await local_api.put("/v1/webhook", json={"url": url}, headers=user.headers)
    ).json()
    assert again["secret"] != made["secret"]  # every PUT makes a new secret

    assert (await local_api.delete("/v1/webhook", headers=user.headers)).status == 204
    await expect_problem(await local_api.get("/v1/webhook", headers=user.headers), 404)
    await expect_problem(await local_api.delete("/v1/webhook", headers=user.headers), 404)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.8/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "ftp://example.com/hook",
        "not a url",
    ],
)
async def test_private_and_malformed_targets_are_refused(api: Client, url: str) -> None:
    user = await sign_up(api)
    response = await api.put("/v1/webhook", json={"url": url}, headers=user.headers)
    body = await expect_problem(response, 422, "webhook-url-not-allowed")
    assert body["errors"][0]["pointer"] == "#/url"
    await expect_problem(await api.get("/v1/webhook", headers=user.headers), 404)


@pytest.mark.parametrize(
    "body", [{}, {"url": 5}, {"url": ""}, {"url": "https://x.example/" + "a" * 3000}, []]
)
async def test_clumsy_bodies_are_422(api: Client, body: Any) -> None:
    user = await sign_up(api)
    response = await api.put("/v1/webhook", json=body, headers=user.headers)
    await expect_problem(response, 422, "validation")


async def test_the_webhook_is_the_callers_own(api: Client) -> None:
    await expect_problem(await api.put("/v1/webhook", json={"url": "https://example.com"}), 401)
    await expect_problem(await api.get("/v1/webhook"), 401)


# --- deliveries --------------------------------------------------------------------------------
async def test_a_500_is_retried_and_the_event_then_delivered_once_standard_signed(
    local_stack: Stack, local_api: Client, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    state.statuses = [500]
    user = await sign_up(local_api)
    hook = await (
        await local_api.put("/v1/webhook", json={"url": url}, headers=user.headers)
    ).json()
    notifier_worker, sender = _workers(local_stack)
    event = _ready(user.user_id)

    await deliver(notifier_worker, event)
    await notifier_worker.drain()

    async def delivered() -> bool:
        await sender.drain()
        return any(status == 200 for _, _, status in state.received)

    await eventually(delivered, timeout_s=30, what="a successful delivery after the 500")
    assert [status for _, _, status in state.received] == [500, 200]
    (first, body_1, _), (second, body_2, _) = state.received
    assert body_1 == body_2
    assert first[ID_HEADER] == second[ID_HEADER] == delivery_id(event.id)
    assert first[EVENT_HEADER] == "video.ready"
    # Each attempt verifies with the Standard Webhooks reference library, as a receiver would.
    for headers, body, _ in state.received:
        document = StandardWebhook(hook["secret"]).verify(body, headers)
        assert document["type"] == "video.ready"
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(new_secret()).verify(body_2, second)

    # Nothing more is sent: the queue is empty once the delivery succeeded.
    await sender.drain()
    assert len(state.received) == 2
    assert await take_all(local_stack.aws.sqs, sender.queue_url) == []


async def test_a_secret_stored_before_standard_webhooks_still_signs_as_its_standard_form(
    local_stack: Stack, receiver: tuple[Receiver, str]
) -> None:
    """No stored secret is migrated: one of the old form (URL-safe base64, unpadded) signs real
    deliveries that a receiver verifies with the conversion docs/DEPLOY.md shows."""
    state, url = receiver
    old = "whsec_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    await local_stack.aws.dynamodb.put_item(
        TableName=local_stack.settings.table(WEBHOOKS_TABLE),
        Item={
            "user_id": {"S": "owner-legacy"},
            "url": {"S": url},
            "secret": {"S": old},
            "updated_at": {"S": "2026-01-01T00:00:00+00:00"},
        },
    )
    notifier_worker, sender = _workers(local_stack)
    await deliver(notifier_worker, _ready("owner-legacy"))
    await notifier_worker.drain()
    assert [s.outcome for s in await sender.drain()] == [Outcome.DONE]
    ((headers, body, _),) = state.received
    converted = "whsec_" + base64.b64encode(base64.urlsafe_b64decode(old[6:] + "=")).decode()
    assert StandardWebhook(converted).verify(body, headers)["type"] == "video.ready"


async def test_the_same_event_twice_is_delivered_once(
    local_stack: Stack, local_api: Client, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    user = await sign_up(local_api)
    await local_api.put("/v1/webhook", json={"url": url}, headers=user.headers)
    notifier_worker, sender = _workers(local_stack)
    event = _ready(user.user_id)
    for expected in (Outcome.DONE, Outcome.DUPLICATE):  # SNS may deliver an event twice
        await deliver(notifier_worker, event)
        assert [s.outcome for s in await notifier_worker.drain()] == [expected]
    assert [s.outcome for s in await sender.drain()] == [Outcome.DONE]
    assert [headers[ID_HEADER] for headers, _, _ in state.received] == [delivery_id(event.id)]


async def test_no_webhook_means_no_delivery(local_stack: Stack, local_api: Client) -> None:
    user = await sign_up(local_api)
    notifier_worker, sender = _workers(local_stack)
    await deliver(notifier_worker, _ready(user.user_id))
    assert [s.outcome for s in await notifier_worker.drain()] == [Outcome.DONE]
    assert await take_all(local_stack.aws.sqs, sender.queue_url) == []


async def test_without_local_permission_a_private_target_is_never_called(
    emulator: Emulator, receiver: tuple[Receiver, str]
) -> None:
    """A registration that passed its check (here written directly, as if its DNS name later
    pointed inside) is checked again at delivery and refused: into the DLQ, with the reason."""
    state, url = receiver
    async with provisioned_stack(emulator) as stack:
        repo = WebhookRepository(stack.aws.dynamodb, stack.settings.table(WEBHOOKS_TABLE))
        await repo.put("owner-1", url)
        notifier_worker, sender = _workers(stack)
        await deliver(notifier_worker, _ready("owner-1"))
        await notifier_worker.drain()
        await sender.drain()
        assert state.received == []
        (dead,) = await take_all(stack.aws.sqs, sender.dlq_url)
        reason = dead["MessageAttributes"]["reason"]["StringValue"]
        assert "not allowed" in reason
