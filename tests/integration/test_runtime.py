"""The consumer runtime against the real emulator process: outcomes, dead-lettering, give-up,
heartbeat, bounded concurrency and graceful shutdown (in a real child process)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
import structlog
from structlog.testing import capture_logs

from tests.integration.bus_support import (
    QueuePair,
    event_attributes,
    make_idempotency_table,
    make_queue_pair,
    messages_in_queue,
    send_event,
    string_attributes,
    take_all,
    uploaded_event,
)
from tests.support import child_env, eventually
from videoshare.aws import AwsClients
from videoshare.bus.dispatch import idempotency_key
from videoshare.bus.outcomes import Defer, Reject, RetryLater
from videoshare.bus.runtime import Consumer, ConsumerConfig, Inbound, Outcome, Settlement
from videoshare.domain.events import VideoUploaded
from videoshare.entrypoints.workers.messages import decode_event
from videoshare.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageTypeDef, ReceiveMessageResultTypeDef

pytestmark = pytest.mark.integration

SLOW_WORKER = Path(__file__).with_name("slow_worker.py")
VISIBILITY_S = 2


@pytest.fixture
async def queues(aws: AwsClients, settings: Settings) -> QueuePair:
    return await make_queue_pair(aws.sqs, settings)


def config_for(queues: QueuePair, **overrides: Any) -> ConsumerConfig:
    """Quick settings for tests: short polls, short visibility, backoff of a second or so.
    Tests that `drain()` can use short polls (`wait_time_s=0`): a drain counts a poll as idle
    only when nothing was in flight as it began."""
    config = ConsumerConfig(
        name="tests",
        queue_url=queues.url,
        dlq_url=queues.dlq_url,
        wait_time_s=1,
        visibility_timeout_s=VISIBILITY_S,
        backoff_base_s=0.5,
        backoff_cap_s=1.0,
    )
    return replace(config, **overrides)


@asynccontextmanager
async def running(consumer: Consumer) -> AsyncIterator[asyncio.Event]:
    """`consumer.run()` in the background; stopped (and awaited) on the way out."""
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def test_handler_failing_twice_is_done_on_the_third_receive(
    aws: AwsClients, queues: QueuePair
) -> None:
    calls: list[str] = []

    async def flaky(event: VideoUploaded) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            raise RetryLater("the database is busy")
        if len(calls) == 2:
            raise ConnectionError("connection reset by peer")

    settlements: list[Settlement] = []
    consumer = Consumer(
        aws.sqs,
        config_for(queues),
        handlers={"video.uploaded": flaky},
        decode=decode_event,
        on_settled=settlements.append,
    )
    event = uploaded_event()
    await send_event(aws.sqs, queues.url, event)
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        async with running(consumer):
            await eventually(lambda: len(settlements) == 3, timeout_s=15, what="three receives")

    assert calls == [event.id] * 3
    assert [s.outcome for s in settlements] == [Outcome.RETRY, Outcome.RETRY, Outcome.DONE]
    assert [s.attempt for s in settlements] == [1, 2, 3]
    assert all(s.delay_s is not None and 0 <= s.delay_s <= 1 for s in settlements[:2])
    assert await messages_in_queue(aws.sqs, queues.url) == 0
    assert await take_all(aws.sqs, queues.dlq_url) == []

    lines = [line for line in logs if line["event"] == "message handled"]
    assert [line["outcome"] for line in lines] == ["retry", "retry", "done"]
    for attempt, line in enumerate(lines, start=1):
        assert line["event_id"] == event.id
        assert line["event_type"] == "video.uploaded"
        assert line["correlation_id"] == event.correlation_id
        assert line["queue"] == queues.name
        assert line["consumer"] == "tests"
        assert line["attempt"] == attempt
        assert line["duration_ms"] >= 0
    assert "exc_info" not in lines[0]  # RetryLater is an outcome, not a crash
    assert isinstance(lines[1]["exc_info"], ConnectionError)  # the traceback goes with the line


async def test_malformed_body_lands_in_the_dlq_with_its_reason(
    aws: AwsClients, queues: QueuePair
) -> None:
    calls: list[Inbound] = []

    async def handler(event: VideoUploaded) -> None:
        calls.append(event)

    await aws.sqs.send_message(
        QueueUrl=queues.url,
        MessageBody='{"this": "is not an event"',
        MessageAttributes=event_attributes("video.uploaded", "req-malformed"),
    )
    consumer = Consumer(
        aws.sqs,
        config_for(queues, wait_time_s=0),
        handlers={"video.uploaded": handler},
        decode=decode_event,
    )

    assert await consumer.drain() == 1

    assert calls == []
    (dead,) = await take_all(aws.sqs, queues.dlq_url)
    assert dead["Body"] == '{"this": "is not an event"'
    attributes = string_attributes(dead)
    assert attributes["reason"].startswith("not a valid domain event")
    assert attributes["code"] == "malformed"
    assert attributes["error"].startswith("ValidationError: ")
    assert attributes["correlation_id"] == "req-malformed"
    assert consumer.counters.by_outcome == {Outcome.REJECTED: 1}
    assert await messages_in_queue(aws.sqs, queues.url) == 0


async def test_a_type_nobody_handles_is_rejected_rather_than_retried(
    aws: AwsClients, queues: QueuePair
) -> None:
    await send_event(aws.sqs, queues.url, uploaded_event())
    consumer = Consumer(
        aws.sqs, config_for(queues, wait_time_s=0), handlers={}, decode=decode_event
    )

    assert await consumer.drain() == 1

    (dead,) = await take_all(aws.sqs, queues.dlq_url)
    attributes = string_attributes(dead)
    assert attributes["code"] == "unknown_type"
    assert attributes["reason"] == "tests has no handler for messages of type 'video.uploaded'"
    assert await messages_in_queue(aws.sqs, queues.url) == 0


async def test_a_decoder_that_crashes_rejects_the_message(
    aws: AwsClients, queues: QueuePair
) -> None:
    def broken_decode(body: str) -> Inbound | None:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    await send_event(aws.sqs, queues.url, uploaded_event())
    consumer = Consumer(
        aws.sqs, config_for(queues, wait_time_s=0), handlers={}, decode=broken_decode
    )

    assert await consumer.drain() == 1

    (dead,) = await take_all(aws.sqs, queues.dlq_url)
    attributes = string_attributes(dead)
    assert attributes["code"] == "malformed"
    assert attributes["reason"].startswith("could not decode the message: UnicodeDecodeError")
    assert await messages_in_queue(aws.sqs, queues.url) == 0


async def test_reject_sends_the_original_to_the_dlq_with_the_failure_attached(
    aws: AwsClients, queues: QueuePair
) -> None:
    calls: list[str] = []

    async def handler(event: VideoUploaded) -> None:
        calls.append(event.id)
        raise Reject("the upload is not a video", code="not_a_video")

    event = uploaded_event()
    body = event.model_dump_json()
    await aws.sqs.send_message(
        QueueUrl=queues.url,
        MessageBody=body,
        MessageAttributes={
            **event_attributes(event.type, event.correlation_id),
            "trace": {"DataType": "String", "StringValue": "trace-1"},
        },
    )
    consumer = Consumer(
        aws.sqs,
        config_for(queues, wait_time_s=0),
        handlers={"video.uploaded": handler},
        decode=decode_event,
    )
    before = datetime.now(UTC)

    assert await consumer.drain() == 1

    assert calls == [event.id]  # rejected at once: no retries
    (dead,) = await take_all(aws.sqs, queues.dlq_url)
    assert dead["Body"] == body
    attributes = string_attributes(dead)
    assert attributes["reason"] == "the upload is not a video"
    assert attributes["code"] == "not_a_video"
    assert attributes["error"] == "Reject: the upload is not a video"
    assert attributes["source_queue"] == queues.name
    assert attributes["receive_count"] == "1"
    failed_at = datetime.fromisoformat(attributes["failed_at"])
    assert before - timedelta(seconds=1) <= failed_at <= datetime.now(UTC)
    # the original's own attributes travel with it, so a replay can restore them
    assert attributes["event_type"] == "video.uploaded"
    assert attributes["correlation_id"] == event.correlation_id
    assert attributes["trace"] == "trace-1"
    assert await messages_in_queue(aws.sqs, queues.url) == 0


async def test_give_up_hook_runs_on_the_last_receive_then_the_dlq_records_why(
    aws: AwsClients, settings: Settings
) -> None:
    queues = await make_queue_pair(aws.sqs, settings, max_receive_count=2)
    calls: list[str] = []
    given_up: list[tuple[str, BaseException]] = []

    async def handler(event: VideoUploaded) -> None:
        calls.append(event.id)
        raise RetryLater("the transcoder is out of disk", delay_s=0)

    async def on_give_up(event: Inbound, exc: BaseException) -> None:
        given_up.append((event.id, exc))

    settlements: list[Settlement] = []
    consumer = Consumer(
        aws.sqs,
        config_for(queues, max_receive_count=2, wait_time_s=0),
        handlers={"video.uploaded": handler},
        decode=decode_event,
        on_give_up=on_give_up,
        on_settled=settlements.append,
    )
    event = uploaded_event()
    await send_event(aws.sqs, queues.url, event)

    assert await consumer.drain() == 2

    assert calls == [event.id, event.id]
    assert [(s.outcome, s.attempt) for s in settlements] == [
        (Outcome.RETRY, 1),
        (Outcome.GAVE_UP, 2),
    ]
    ((given_up_id, given_up_exc),) = given_up
    assert given_up_id == event.id
    assert isinstance(given_up_exc, RetryLater)
    (dead,) = await take_all(aws.sqs, queues.dlq_url)
    attributes = string_attributes(dead)
    assert attributes["reason"] == "gave up after 2 attempts: the transcoder is out of disk"
    assert attributes["code"] == "gave_up"
    assert attributes["receive_count"] == "2"
    assert attributes["error"] == "RetryLater: the transcoder is out of disk"
    assert await messages_in_queue(aws.sqs, queues.url) == 0


async def test_a_deferred_message_waits_its_turn_past_max_receive_count_without_failing(
    aws: AwsClients, settings: Settings
) -> None:
    """Deferring is not failing: the message comes back as a fresh copy (attempt 1) with its
    attributes, however often, and is neither given up nor dead-lettered."""
    queues = await make_queue_pair(aws.sqs, settings, max_receive_count=2)
    turns: list[str] = []
    given_up: list[str] = []

    async def handler(event: VideoUploaded) -> None:
        if len(turns) < 4:
            turns.append(event.id)
            raise Defer("the owner's processing slots are taken", delay_s=0)

    async def on_give_up(event: Inbound, exc: BaseException) -> None:
        given_up.append(event.id)

    settlements: list[Settlement] = []
    consumer = Consumer(
        aws.sqs,
        config_for(queues, max_receive_count=2, wait_time_s=0),
        handlers={"video.uploaded": handler},
        decode=decode_event,
        on_give_up=on_give_up,
        on_settled=settlements.append,
    )
    event = uploaded_event()
    await send_event(aws.sqs, queues.url, event)

    assert await consumer.drain() == 5

    assert [(s.outcome, s.attempt) for s in settlements] == [(Outcome.DEFERRED, 1)] * 4 + [
        (Outcome.DONE, 1)
    ]
    assert settlements[0].reason == "the owner's processing slots are taken"
    assert given_up == []
    assert await take_all(aws.sqs, queues.dlq_url) == []

    # a copy keeps the original's attributes, and waits out its delay (at most SQS's 15 min)
    async def defer_once(event: VideoUploaded) -> None:
        raise Defer("wait", delay_s=1)

    waiting = Consumer(
        aws.sqs,
        config_for(queues, wait_time_s=0),
        handlers={"video.uploaded": defer_once},
        decode=decode_event,
        on_settled=settlements.append,
    )
    await send_event(aws.sqs, queues.url, event)
    assert await waiting.drain() == 1  # the copy is not visible yet: the drain ends
    assert settlements[-1].delay_s == 1
    copies: list[MessageTypeDef] = []

    async def copy_arrived() -> bool:
        copies.extend(await take_all(aws.sqs, queues.url))
        return bool(copies)

    await eventually(copy_arrived, timeout_s=10, what="the delayed copy")
    (copy,) = copies
    assert string_attributes(copy) == {
        "event_type": "video.uploaded",
        "correlation_id": event.correlation_id,
    }
    assert json.loads(copy["Body"])["id"] == event.id


async def test_heartbeat_keeps_a_long_handlers_message_from_a_second_consumer(
    aws: AwsClients, queues: QueuePair
) -> None:
    started = asyncio.Event()
    finish = asyncio.Event()

    async def long_transcode(event: VideoUploaded) -> None:
        started.set()
        await finish.wait()

    stolen: list[str] = []

    async def second_worker(event: VideoUploaded) -> None:
        stolen.append(event.id)

    settlements: list[Settlement] = []
    first_sqs = VisibilitySpy(aws.sqs)
    first = Consumer(
        first_sqs,  # type: ignore[arg-type]
        config_for(queues),
        handlers={"video.uploaded": long_transcode},
        decode=decode_event,
        on_settled=settlements.append,
    )
    second = Consumer(
        aws.sqs, config_for(queues), handlers={"video.uploaded": second_worker}, decode=decode_event
    )
    await send_event(aws.sqs, queues.url, uploaded_event())
    # The heartbeat beats every third of the visibility timeout: this many extensions mean the
    # message has stayed invisible for more than twice its original timeout.
    beats_past_two_timeouts = 7

    async with running(first):
        await eventually(started.is_set, what="the long handler started")
        async with running(second):
            await eventually(
                lambda: first_sqs.extensions >= beats_past_two_timeouts,
                timeout_s=4 * VISIBILITY_S,
                what="the heartbeat extended the visibility past twice the timeout",
            )
        assert stolen == []
        finish.set()
        await eventually(lambda: len(settlements) == 1, what="the long handler settled")

    assert [(s.outcome, s.attempt) for s in settlements] == [(Outcome.DONE, 1)]
    assert settlements[0].duration_s > 2 * VISIBILITY_S
    assert await messages_in_queue(aws.sqs, queues.url) == 0


class VisibilitySpy:
    """The SQS client, counting the visibility extensions a heartbeat makes."""

    def __init__(self, sqs: SQSClient) -> None:
        self._sqs = sqs
        self.extensions = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    async def change_message_visibility(self, **kwargs: Any) -> Any:
        result = await self._sqs.change_message_visibility(**kwargs)
        if kwargs["VisibilityTimeout"] > 0:
            self.extensions += 1
        return result


class ReceiveSpy:
    """The SQS client, recording how many messages each receive asked for."""

    def __init__(self, sqs: SQSClient) -> None:
        self._sqs = sqs
        self.asked: list[int] = []
        self.receiving = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    async def receive_message(self, **kwargs: Any) -> ReceiveMessageResultTypeDef:
        self.asked.append(kwargs["MaxNumberOfMessages"])
        self.receiving.set()
        return await self._sqs.receive_message(**kwargs)


async def test_never_more_than_max_in_flight_handlers_at_once(
    aws: AwsClients, queues: QueuePair
) -> None:
    running_now = 0
    peak = 0

    async def handler(event: VideoUploaded) -> None:
        nonlocal running_now, peak
        running_now += 1
        peak = max(peak, running_now)
        await asyncio.sleep(0.2)  # the handler's work
        running_now -= 1

    for batch in range(2):
        await aws.sqs.send_message_batch(
            QueueUrl=queues.url,
            Entries=[
                {"Id": str(i), "MessageBody": uploaded_event().model_dump_json()}
                for i in range(batch * 5, batch * 5 + 5)
            ],
        )
    spy = ReceiveSpy(aws.sqs)
    consumer = Consumer(
        cast("SQSClient", spy),
        config_for(queues, max_in_flight=3, wait_time_s=0),
        handlers={"video.uploaded": handler},
        decode=decode_event,
    )

    assert await consumer.drain() == 10

    assert peak == 3  # bounded, and the bound is actually used
    assert spy.asked
    assert max(spy.asked) <= 3  # never receives more than it has room for
    assert consumer.counters.by_outcome == {Outcome.DONE: 10}
    assert await messages_in_queue(aws.sqs, queues.url) == 0


async def test_messages_a_poll_returns_after_stop_are_handed_back(
    aws: AwsClients, queues: QueuePair
) -> None:
    calls: list[str] = []

    async def handler(event: VideoUploaded) -> None:
        calls.append(event.id)

    spy = ReceiveSpy(aws.sqs)
    consumer = Consumer(
        cast("SQSClient", spy),
        config_for(queues, wait_time_s=5, visibility_timeout_s=30),
        handlers={"video.uploaded": handler},
        decode=decode_event,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await eventually(spy.receiving.is_set, what="a long poll started")
    stop.set()
    event = uploaded_event()
    await send_event(aws.sqs, queues.url, event)  # the open poll takes it, after stop was set
    await asyncio.wait_for(task, timeout=10)

    assert calls == []
    # Visible again at once, not after the 30 s visibility timeout of the poll that took it.
    response = await aws.sqs.receive_message(
        QueueUrl=queues.url,
        WaitTimeSeconds=1,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    )
    (message,) = response["Messages"]
    assert json.loads(message["Body"])["id"] == event.id
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"


async def _sigterm_mid_handler(
    aws: AwsClients, settings: Settings, queues: QueuePair, markers: Path, drain_s: float
) -> tuple[VideoUploaded, str, list[dict[str, Any]]]:
    """The slow worker (a real process) takes one event; SIGTERM while its handler runs.
    Returns the event, the idempotency table and the worker's "message handled" lines."""
    table = await make_idempotency_table(aws.dynamodb, settings)
    event = uploaded_event()
    await send_event(aws.sqs, queues.url, event)
    log_path = markers / "worker.log"
    with log_path.open("wb") as log_file:
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SLOW_WORKER),
            queues.url,
            queues.dlq_url,
            str(markers),
            str(drain_s),
            table,
            env=child_env(settings),
            stdout=log_file,
            stderr=log_file,
        )
        try:
            await eventually(
                (markers / "started").exists, timeout_s=30, what="the worker's handler started"
            )
            assert not (markers / "finished").exists()
            worker.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(worker.wait(), timeout=20)
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    output = log_path.read_text()
    assert code == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return event, table, [line for line in lines if line["event"] == "message handled"]


async def test_sigterm_within_the_drain_lets_the_handler_finish_then_the_process_exits_0(
    aws: AwsClients, settings: Settings, queues: QueuePair, tmp_path: Path
) -> None:
    event, _, handled = await _sigterm_mid_handler(aws, settings, queues, tmp_path, drain_s=20)
    assert (tmp_path / "finished").read_text() == event.id  # the handler ran to its end
    # Deleted, not merely invisible: nothing left in flight either.
    assert await messages_in_queue(aws.sqs, queues.url) == 0
    assert [(line["outcome"], line["event_id"]) for line in handled] == [("done", event.id)]


async def test_sigterm_without_a_drain_hands_the_message_back_and_releases_its_claim(
    aws: AwsClients, settings: Settings, queues: QueuePair, tmp_path: Path
) -> None:
    event, table, handled = await _sigterm_mid_handler(aws, settings, queues, tmp_path, drain_s=0)
    assert not (tmp_path / "finished").exists()  # cut short
    assert [(line["outcome"], line["event_id"]) for line in handled] == [("handed_back", event.id)]
    # Visible at once, though its visibility timeout (30 s) has far to go: the next receive
    # takes it, and finds no claim in its way.
    response = await aws.sqs.receive_message(
        QueueUrl=queues.url, MaxNumberOfMessages=1, WaitTimeSeconds=0
    )
    (message,) = response["Messages"]
    assert json.loads(message["Body"])["id"] == event.id
    claim = await aws.dynamodb.get_item(
        TableName=table,
        Key={"key": {"S": idempotency_key("slow-worker", event.id)}},
        ConsistentRead=True,
    )
    assert "Item" not in claim


async def test_run_keeps_going_when_receives_fail(aws: AwsClients, queues: QueuePair) -> None:
    """A queue that cannot be read (deleted here) is logged and retried, never a crash."""
    consumer = Consumer(
        aws.sqs,
        config_for(queues, receive_error_pause_s=0.1),
        handlers={},
        decode=decode_event,
    )
    await aws.sqs.delete_queue(QueueUrl=queues.url)
    with capture_logs() as logs:
        async with running(consumer):
            await eventually(
                lambda: sum(line["event"] == "receive failed" for line in logs) >= 2,
                what="two failed receives",
            )
    assert all(line["log_level"] == "error" for line in logs if line["event"] == "receive failed")
