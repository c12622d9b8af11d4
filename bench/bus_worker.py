"""One worker process of the bus scaling benchmark: `python -m bench.bus_worker ENDPOINT URL DLQ`.

Opens its clients, prints `ready`, waits for `go` on stdin, drains the queue with a no-op
handler, and prints how many messages it handled."""

from __future__ import annotations

import asyncio
import sys

from bench.bench_bus import CONCURRENCY
from videoshare.aws import open_clients
from videoshare.bus.runtime import Consumer, ConsumerConfig
from videoshare.domain.events import parse_event
from videoshare.logs import configure_logging
from videoshare.settings import Settings


async def drain(endpoint: str, url: str, dlq: str) -> int:
    async def noop(event: object) -> None:
        return None

    configure_logging("bench-bus-worker", level="WARNING")
    settings = Settings(aws_endpoint_url=endpoint)
    async with open_clients(settings) as aws:
        consumer = Consumer(
            aws.sqs,
            ConsumerConfig("bench", url, dlq, max_in_flight=CONCURRENCY, wait_time_s=0),
            handlers={"video.ready": noop},
            decode=parse_event,
        )
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        return await consumer.drain()


if __name__ == "__main__":
    print(asyncio.run(drain(*sys.argv[1:4])), flush=True)
