"""A poison message: dead-lettered with its reason after maxReceiveCount; once the fault is
fixed, `videoshare dlq replay` (a real process) brings it back and it is handled exactly once.

The fault is the notifier's table gone missing (every attempt fails with
ResourceNotFoundException); provisioning again is the fix an operator would make."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.bus_support import event_attributes, messages_in_queue
from tests.resilience.conftest import (
    handled,
    health_url,
    run_cli,
    running,
    scrape,
    stack_settings,
)
from tests.support import eventually
from videoshare.adapters.notifications import NotificationRepository
from videoshare.aws import AwsClients, open_clients
from videoshare.domain.events import VideoReady, VideoReadyData
from videoshare.infra.provision import provision
from videoshare.infra.resources import resolve
from videoshare.infra.topology import NOTIFICATIONS_TABLE, NOTIFIER
from videoshare.local.emulator import Emulator

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(180)
async def test_poison_goes_to_the_dlq_with_its_reason_and_replays_exactly_once(
    emulator: Emulator,
) -> None:
    settings = stack_settings(emulator)
    table = settings.table(NOTIFICATIONS_TABLE)
    event = VideoReady(
        correlation_id=f"req-{uuid.uuid4().hex[:8]}",
        producer="tests",
        data=VideoReadyData(video_id=uuid.uuid4().hex, owner_id="owner-p", title="Poison"),
    )
    async with (
        running(settings, {"notifier": NOTIFIER}, ingress=False) as stack,
        open_clients(settings) as aws,
    ):
        resources = await resolve(aws, settings)
        await aws.dynamodb.delete_table(TableName=table)  # the fault
        await aws.sqs.send_message(
            QueueUrl=resources.queue_urls[NOTIFIER],
            MessageBody=event.model_dump_json(),
            MessageAttributes=event_attributes(event.type, event.correlation_id),
        )
        await eventually(
            lambda: _depth_is(aws, resources.dlq_urls[NOTIFIER], 1),
            timeout_s=90,
            interval_s=0.5,
            what="the message dead-lettered",
        )
        # the worker writes its line (and counts it) just after the message reaches the DLQ
        await eventually(
            lambda: len(handled(stack, "notifier")) >= 3,
            timeout_s=15,
            what="the give-up logged",
        )
        assert [line["outcome"] for line in handled(stack, "notifier")] == [
            "retry",
            "retry",
            "gave_up",
        ]

        # what an operator's dashboard sees, from the worker's own /metrics
        metrics_url = health_url(stack, "notifier")
        queue = settings.queue(NOTIFIER)
        settled = 'videoshare_messages_settled_total{event_type="video.ready",outcome='
        text = await scrape(metrics_url)
        assert f'{settled}"retry",queue="{queue}"}} 2.0' in text, text
        assert f'{settled}"gave_up",queue="{queue}"}} 1.0' in text, text
        await eventually(
            lambda: _says(metrics_url, f'videoshare_dead_letter_messages{{queue="{queue}"}} 1.0'),
            timeout_s=15,
            what="the dead-letter depth on /metrics",
        )

        shown = run_cli(settings, "dlq", "show", NOTIFIER)
        assert shown.returncode == 0, shown.stderr
        assert event.id in shown.stdout
        assert event.data.video_id in shown.stdout
        assert "gave up after 3 attempts" in shown.stdout
        assert "ResourceNotFoundException" in shown.stdout

        await provision(aws, settings)  # the fix
        replayed = run_cli(settings, "dlq", "replay", NOTIFIER)
        assert replayed.returncode == 0, replayed.stderr
        assert "moved 1 message(s)" in replayed.stdout

        inbox = NotificationRepository(aws.dynamodb, table)
        await eventually(
            lambda: _inbox_size(inbox, 1),
            timeout_s=30,
            what="the notification written",
        )
        await eventually(
            lambda: _depth_is(aws, resources.queue_urls[NOTIFIER], 0),
            timeout_s=30,
            what="the queue empty",
        )
        assert len(handled(stack, "notifier", "done")) == 1
        assert await messages_in_queue(aws.sqs, resources.dlq_urls[NOTIFIER]) == 0
        notes, _ = await inbox.list("owner-p", 10, None)
        assert [n.id for n in notes] == [event.id]


async def _depth_is(aws: AwsClients, url: str, depth: int) -> bool:
    return await messages_in_queue(aws.sqs, url) == depth


async def _says(url: str, line: str) -> bool:
    return line in await scrape(url)


async def _inbox_size(inbox: NotificationRepository, size: int) -> bool:
    notes, _ = await inbox.list("owner-p", 10, None)
    return len(notes) == size
