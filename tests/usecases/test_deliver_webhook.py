"""Delivering a webhook against the fakes: one signed attempt with the same body every time,
the retry schedule, waits longer than one SQS delay, giving up after a day, refused targets,
and a webhook removed meanwhile."""

from __future__ import annotations

import pytest

from tests.fakes.webhook_delivery import DELIVERED
from tests.fakes.workers import WorkerFakes
from tests.records import OWNER
from videoshare.bus.outcomes import Reject
from videoshare.domain.webhooks import RETRY_FOR_S, Delivery
from videoshare.usecases.deliver_webhook import deliver_webhook
from videoshare.usecases.ports import AttemptResult

NOW = 1_700_000_000.0
BASE_S = 30.0
SERVER_ERROR = AttemptResult(delivered=False, status=500)


@pytest.fixture
async def fakes() -> WorkerFakes:
    fakes = WorkerFakes()
    await fakes.webhooks.put(OWNER, "https://hooks.example/in")
    return fakes


def delivery(**changes: object) -> Delivery:
    first = Delivery(
        delivery_id="d-1",
        user_id=OWNER,
        event_type="video.ready",
        correlation_id="req-1",
        payload={"occurred_at": "2026-01-01T00:00:00+00:00", "data": {"video_id": "v"}},
        first_attempt_at=NOW,
    )
    return first.model_copy(update=changes)


async def deliver(fakes: WorkerFakes, attempt: Delivery, now: float = NOW) -> None:
    await deliver_webhook(fakes, attempt, retry_base_s=BASE_S, now=now)


async def test_a_2xx_delivers_it_once_with_the_event_as_the_body(fakes: WorkerFakes) -> None:
    await deliver(fakes, delivery())

    (post,) = fakes.webhook_poster.posts
    assert post.hook.url == "https://hooks.example/in"
    assert post.body == (
        b'{"data":{"video_id":"v"},"id":"d-1","occurred_at":"2026-01-01T00:00:00+00:00",'
        b'"type":"video.ready"}'
    )
    assert fakes.deliveries.queued == []


async def test_a_failed_attempt_queues_the_next_with_the_same_body_later(
    fakes: WorkerFakes,
) -> None:
    fakes.webhook_poster.results = [SERVER_ERROR, SERVER_ERROR]

    await deliver(fakes, delivery())
    (first_retry,) = fakes.deliveries.queued
    await deliver(fakes, first_retry.delivery, now=NOW + first_retry.delay_s)

    second_retry = fakes.deliveries.queued[1]
    assert (first_retry.delay_s, second_retry.delay_s) == (30.0, 60.0)  # doubling
    assert (first_retry.delivery.attempt, second_retry.delivery.attempt) == (1, 2)
    assert second_retry.delivery.not_before == NOW + 30 + 60
    assert second_retry.delivery.delivery_id == "d-1"
    first_body, second_body = (p.body for p in fakes.webhook_poster.posts)
    assert first_body == second_body


async def test_an_attempt_received_before_its_time_goes_back_for_the_rest_of_the_wait(
    fakes: WorkerFakes,
) -> None:
    """A 6 h wait is many SQS delays of at most 15 min: every hop but the last sends nothing."""
    waiting = delivery(attempt=10, not_before=NOW + 5 * 3600)

    await deliver(fakes, waiting)
    await deliver(fakes, waiting, now=NOW + 5 * 3600 - 0.5)  # close enough: sent now

    (back,) = fakes.deliveries.queued
    assert (back.delivery, back.delay_s) == (waiting, 5 * 3600)
    assert len(fakes.webhook_poster.posts) == 1


async def test_a_delivery_still_failing_after_a_day_is_given_up(fakes: WorkerFakes) -> None:
    fakes.webhook_poster.results = [SERVER_ERROR]
    late = NOW + RETRY_FOR_S - 60

    with pytest.raises(Reject) as gave_up:
        await deliver(fakes, delivery(attempt=12, not_before=late), now=late)

    assert gave_up.value.code == "gave_up"
    assert gave_up.value.reason == (
        "webhook not delivered after 13 attempts over ~24 h (last: 500)"
    )
    assert fakes.deliveries.queued == []


async def test_a_target_that_is_not_allowed_is_rejected_not_retried(fakes: WorkerFakes) -> None:
    fakes.webhook_poster.results = [
        AttemptResult(delivered=False, error="10.0.0.8 is not public", refused=True)
    ]

    with pytest.raises(Reject) as refused:
        await deliver(fakes, delivery())

    assert refused.value.code == "unsafe_target"
    assert "10.0.0.8 is not public" in refused.value.reason
    assert fakes.deliveries.queued == []


async def test_a_webhook_removed_meanwhile_drops_the_delivery(fakes: WorkerFakes) -> None:
    del fakes.webhooks.hooks[OWNER]

    await deliver(fakes, delivery(attempt=3, not_before=NOW))

    assert fakes.webhook_poster.posts == []
    assert fakes.deliveries.queued == []


async def test_the_webhook_as_registered_now_is_the_one_called(fakes: WorkerFakes) -> None:
    fakes.webhook_poster.results = [SERVER_ERROR, DELIVERED]
    await deliver(fakes, delivery())
    await fakes.webhooks.put(OWNER, "https://new.example/hook")

    (retry,) = fakes.deliveries.queued
    await deliver(fakes, retry.delivery, now=retry.delivery.not_before)

    assert [p.hook.url for p in fakes.webhook_poster.posts] == [
        "https://hooks.example/in",
        "https://new.example/hook",
    ]
