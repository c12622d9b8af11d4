"""The consumer runtime against a raw aioboto3 receive + delete loop, and its scaling.

1. One process, `CONCURRENCY` messages in flight, a no-op handler: `Consumer.drain()` against
   a hand-written loop that receives batches and deletes each message, with the same number in
   flight, on the same emulator. Both without the idempotency store (it is a DynamoDB write per
   message, a cost of its own, not of the runtime). Goal: ours >= 0.9x the raw loop.
2. The same runtime in 1, 2 and 4 worker processes draining one queue (the emulator is one
   process too, so on two cores it caps the scaling; the table says what it measured).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from bench.report import Figure, median, write_report
from videoshare.aws import open_clients
from videoshare.bus.runtime import Consumer, ConsumerConfig
from videoshare.domain.events import VideoReady, VideoReadyData, parse_event
from videoshare.local.emulator import start_emulator
from videoshare.logs import configure_logging
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

CONCURRENCY = 10
MESSAGES = 300
ROUNDS = 3
PROCESS_COUNTS = (1, 2, 4)
SCALING_MESSAGES = 400


def _settings(endpoint: str) -> Settings:
    return Settings(
        stack=f"bench-{uuid.uuid4().hex[:8]}",
        aws_endpoint_url=endpoint,
        max_in_flight=CONCURRENCY,
    )


def _body() -> str:
    return VideoReady(
        correlation_id="bench",
        producer="bench",
        data=VideoReadyData(video_id=uuid.uuid4().hex, owner_id="o", title="t"),
    ).model_dump_json()


async def _queue(settings: Settings, count: int) -> tuple[str, str]:
    """A fresh queue (and dead-letter queue) holding `count` events."""
    async with open_clients(settings) as aws:
        name = settings.queue(uuid.uuid4().hex[:8])
        dlq = (await aws.sqs.create_queue(QueueName=f"{name}-dlq"))["QueueUrl"]
        url = (await aws.sqs.create_queue(QueueName=name))["QueueUrl"]
        for start in range(0, count, 10):
            await aws.sqs.send_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "MessageBody": _body()} for i in range(min(10, count - start))
                ],
            )
        return url, dlq


async def _raw_loop(settings: Settings, url: str, count: int) -> float:
    """Receive batches, delete each message, `CONCURRENCY` at most in flight; seconds."""
    async with open_clients(settings) as aws:
        in_flight: set[asyncio.Task[None]] = set()
        done = 0
        started = time.perf_counter()
        while done < count:
            while len(in_flight) >= CONCURRENCY:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            answer = await aws.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, CONCURRENCY - len(in_flight)),
                WaitTimeSeconds=0,
                VisibilityTimeout=60,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
            for message in answer.get("Messages", []):
                parse_event(message["Body"])  # what any consumer must do with a body
                task = asyncio.create_task(_delete(aws.sqs, url, message["ReceiptHandle"]))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                done += 1
        await asyncio.gather(*in_flight)
        return time.perf_counter() - started


async def _delete(sqs: SQSClient, url: str, receipt: str) -> None:
    await sqs.delete_message(QueueUrl=url, ReceiptHandle=receipt)


async def _runtime(settings: Settings, url: str, dlq: str) -> float:
    async def noop(event: object) -> None:
        return None

    async with open_clients(settings) as aws:
        consumer = Consumer(
            aws.sqs,
            ConsumerConfig("bench", url, dlq, max_in_flight=CONCURRENCY, wait_time_s=0),
            handlers={"video.ready": noop},
            decode=parse_event,
        )
        started = time.perf_counter()
        await consumer.drain()
        return time.perf_counter() - started


def _scaling(settings: Settings, processes: int) -> float:
    """Seconds for `processes` worker processes to drain `SCALING_MESSAGES` messages."""
    url, dlq = asyncio.run(_queue(settings, SCALING_MESSAGES))
    argv = [sys.executable, "-m", "bench.bus_worker", settings.aws_endpoint_url or "", url, dlq]
    workers = [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    for worker in workers:  # each has opened its clients and waits for "go"
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    handled = 0
    for worker in workers:
        out, _ = worker.communicate(timeout=600)
        handled += int(out.strip() or 0)
    elapsed = time.perf_counter() - started
    # At least once: a receive the client gave up on (its answer late on a busy machine) has its
    # messages come back after their visibility timeout, and handled again.
    assert handled >= SCALING_MESSAGES, (handled, SCALING_MESSAGES)
    return elapsed


def main() -> str:
    # One log line per message is part of the runtime, but a terminal renderer is not: only
    # warnings are written (the raw loop writes nothing either).
    configure_logging("bench-bus", level="WARNING")
    emulator = start_emulator(port=free_port(), log_path=Path("/dev/null"))
    try:
        settings = _settings(emulator.endpoint)
        raw: list[float] = []
        ours: list[float] = []
        for _ in range(ROUNDS):  # interleaved, so a busy moment hits both
            url, _dlq = asyncio.run(_queue(settings, MESSAGES))
            raw.append(MESSAGES / asyncio.run(_raw_loop(settings, url, MESSAGES)))
            url, dlq = asyncio.run(_queue(settings, MESSAGES))
            ours.append(MESSAGES / asyncio.run(_runtime(settings, url, dlq)))
        figures = [
            Figure(
                name=f"no-op consumer, {CONCURRENCY} in flight",
                ours=median(ours),
                baseline=median(raw),
                unit="msg/s",
                goal=">= 0.9x",
                baseline_name="raw aioboto3 receive+delete",
                better="higher",
                samples={"ours": ours, "baseline": raw},
            )
        ]
        one = SCALING_MESSAGES / _scaling(settings, 1)
        for count in PROCESS_COUNTS[1:]:
            rate = SCALING_MESSAGES / _scaling(settings, count)
            figures.append(
                Figure(
                    name=f"{count} worker processes",
                    ours=rate,
                    baseline=one,
                    unit="msg/s",
                    goal=f"scales toward {count}x (one emulator process caps it)",
                    baseline_name="1 worker process",
                    better="higher",
                )
            )
    finally:
        emulator.stop()
    return write_report(
        "bus",
        figures,
        notes=[
            f"{MESSAGES} messages per round, median of {ROUNDS} rounds; scaling: "
            f"{SCALING_MESSAGES} messages, timed from a common start signal.",
            "No idempotency store on either side: the comparison is the runtime's own overhead.",
        ],
    )
