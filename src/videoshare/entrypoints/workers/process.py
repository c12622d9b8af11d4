"""One worker process: open clients, find the resources, run the consumer until SIGTERM/SIGINT.

Beside the consumer: the side server (`/healthz`, `/readyz`, `/metrics`), a sampler of the
dead-letter queue's depth, and the worker's own background work if it has any.

Stopping is bounded: the consumer returns within its `stop_bound_s` (the jobs in flight drain
for `shutdown_drain_s`, then hand their messages back), the background work is then given a
call's timeout and cancelled, and should anything still hold the process past its queue's
`stop_bound_s`, a watchdog ends it (an unreachable AWS never keeps a worker alive).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable

import structlog
from prometheus_client import CollectorRegistry

from videoshare.bootstrap import Dependencies, open_dependencies
from videoshare.bus.idempotency import IdempotencyStore
from videoshare.bus.metrics import ConsumerMetrics
from videoshare.bus.runtime import Consumer, ConsumerConfig, Settlement, stop_on_signals
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.entrypoints.workers.health_server import (
    WorkerHealth,
    sample_dead_letter_depth,
    side_server,
)
from videoshare.heap import keep_heap_small
from videoshare.infra.topology import IDEMPOTENCY_TABLE, topology
from videoshare.logs import configure_logging
from videoshare.settings import Settings

log = structlog.get_logger("worker")


def run(name: str, define: Callable[[WorkerContext], WorkerDefinition], settings: Settings) -> int:
    keep_heap_small()  # before any thread: glibc's arenas and thresholds (`heap.py`)
    configure_logging(name)
    asyncio.run(_serve(name, define, settings))
    return 0


def consumer_config(name: str, deps: Dependencies) -> ConsumerConfig:
    """The consumer's knobs for worker `name`, from its queue in the topology and the settings."""
    queue = topology(deps.settings).consumer(name)
    return queue.consumer_config(
        deps.settings, deps.resources.queue_urls[name], deps.resources.dlq_urls[name]
    )


def build_consumer(
    deps: Dependencies,
    config: ConsumerConfig,
    worker: WorkerDefinition,
    *,
    on_settled: Callable[[Settlement], None] | None = None,
    on_received: Callable[[int], None] | None = None,
) -> Consumer:
    """The consumer of one worker: its handlers on its queue, with the idempotency store keyed
    by the consumer's name (the tests build theirs here too, with their own `config`)."""
    settings = deps.settings
    return Consumer(
        deps.aws.sqs,
        config,
        handlers=worker.handlers,
        decode=worker.decode,
        idempotency=IdempotencyStore(
            deps.aws.dynamodb,
            settings.table(IDEMPOTENCY_TABLE),
            ttl_s=settings.idempotency_ttl_s,
            # lapses before the message is visible again: see `ConsumerConfig.claim_lease_s`
            in_progress_expiry_s=config.claim_lease_s,
        ),
        on_give_up=worker.on_give_up,
        on_settled=on_settled,
        on_received=on_received,
    )


async def _serve(
    name: str, define: Callable[[WorkerContext], WorkerDefinition], settings: Settings
) -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    # The backstop: every step of stopping has its own bound, and should the process still
    # run this long after the signal, a timer thread (it fires even if the loop is stuck) ends
    # it with code 1. It stays armed until the process is gone, the interpreter's own
    # shutdown included; a daemon thread, it never holds the process up.
    bound_s = topology(settings).consumer(name).stop_bound_s(settings)
    timer = threading.Timer(bound_s, _exit_now, args=(bound_s,))
    timer.daemon = True
    watchdog = asyncio.create_task(_start_on(stop, timer))
    try:
        await _run_worker(name, define, settings, stop)
    finally:
        watchdog.cancel()
        if not timer.is_alive():
            # the consumer ended by an error, not a signal: the same bound from now
            timer.start()


async def _run_worker(
    name: str,
    define: Callable[[WorkerContext], WorkerDefinition],
    settings: Settings,
    stop: asyncio.Event,
) -> None:
    async with open_dependencies(settings) as deps:
        aws = deps.aws
        worker = define(WorkerContext(name, deps))
        config = consumer_config(name, deps)
        queue_url, dlq_url = config.queue_url, config.dlq_url
        registry = CollectorRegistry()
        metrics = ConsumerMetrics(registry, config.queue_name)
        consumer = build_consumer(
            deps, config, worker, on_settled=metrics.settled, on_received=metrics.received
        )
        metrics.watch_in_flight(consumer)

        async def queue_answers() -> object:
            return await aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])

        async def dead_letter_depth() -> int:
            answer = await aws.sqs.get_queue_attributes(
                QueueUrl=dlq_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )
            return sum(int(v) for v in answer["Attributes"].values())

        health = WorkerHealth(registry, queue_answers)
        async with side_server(name, settings, health), asyncio.TaskGroup() as tasks:
            beside = [
                tasks.create_task(
                    sample_dead_letter_depth(
                        dead_letter_depth,
                        metrics.dead_letter_depth,
                        stop,
                        settings.dlq_sample_interval_s,
                    )
                )
            ]
            if worker.background is not None:
                beside.append(tasks.create_task(worker.background(stop)))
            log.info("worker_started", queue=queue_url)
            health.consuming = True
            try:
                await consumer.run(stop)
            finally:
                health.consuming = False
                stop.set()  # the consumer may also end by an error: stop the rest with it
                await _cut_short(beside, config.stop_call_timeout_s)
        log.info("worker_stopped")


async def _cut_short(tasks: list[asyncio.Task[None]], timeout_s: float) -> None:
    """Give work that saw `stop` a call's timeout to end (a call it has on the wire may hang
    on an unreachable AWS), then cancel it."""
    _, late = await asyncio.wait(tasks, timeout=timeout_s)
    for task in late:
        task.cancel()


async def _start_on(stop: asyncio.Event, timer: threading.Timer) -> None:
    await stop.wait()
    timer.start()


def _exit_now(bound_s: float) -> None:
    print(f"worker did not stop within {bound_s:g} s of the signal; exiting", file=sys.stderr)
    os._exit(1)
