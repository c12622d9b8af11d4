"""One worker process: open clients, find the resources, run the consumer until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from videoshare.aws import open_clients
from videoshare.bus.idempotency import IdempotencyStore
from videoshare.bus.runtime import Consumer, ConsumerConfig, stop_on_signals
from videoshare.infra.resources import resolve
from videoshare.infra.topology import IDEMPOTENCY_TABLE, topology
from videoshare.logs import configure_logging
from videoshare.settings import Settings
from videoshare.workers.context import WorkerContext, WorkerDefinition

log = structlog.get_logger("worker")


def run(name: str, define: Callable[[WorkerContext], WorkerDefinition], settings: Settings) -> int:
    configure_logging(name)
    asyncio.run(_serve(name, define, settings))
    return 0


async def _serve(
    name: str, define: Callable[[WorkerContext], WorkerDefinition], settings: Settings
) -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    queue = topology(settings).consumer(name)
    async with open_clients(settings) as aws:
        resources = await resolve(aws, settings)
        ctx = WorkerContext.build(name, settings, aws, resources)
        worker = define(ctx)
        consumer = Consumer(
            aws.sqs,
            ConsumerConfig(
                name=name,
                queue_url=resources.queue_urls[name],
                dlq_url=resources.dlq_urls[name],
                max_in_flight=queue.max_in_flight or settings.max_in_flight,
                wait_time_s=settings.wait_time_s,
                visibility_timeout_s=queue.visibility_timeout_s,
                max_receive_count=queue.max_receive_count,
            ),
            handlers=worker.handlers,
            decode=worker.decode,
            idempotency=IdempotencyStore(
                aws.dynamodb,
                settings.table(IDEMPOTENCY_TABLE),
                ttl_s=settings.idempotency_ttl_s,
                in_progress_expiry_s=queue.visibility_timeout_s,
            ),
            on_give_up=worker.on_give_up,
        )
        log.info("worker_started", queue=resources.queue_urls[name])
        await consumer.run(stop)
        log.info("worker_stopped")
