"""A worker with one slow handler, run as a real child process by the SIGTERM tests.

    python slow_worker.py QUEUE_URL DLQ_URL MARKER_DIR DRAIN_S IDEMPOTENCY_TABLE

The handler writes MARKER_DIR/started, keeps working until the process has been told to stop
(so the signal always lands while it runs), works a little longer, then writes
MARKER_DIR/finished. The consumer drains for DRAIN_S after the signal (then hands the message
back); its claims go in IDEMPOTENCY_TABLE. Settings come from the environment, as in any worker.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from videoshare.aws import open_clients
from videoshare.bus.idempotency import IdempotencyStore
from videoshare.bus.runtime import Consumer, ConsumerConfig, stop_on_signals
from videoshare.domain.events import VideoUploaded
from videoshare.entrypoints.workers.messages import decode_event
from videoshare.logs import configure_logging
from videoshare.settings import Settings

WAIT_FOR_SIGNAL_S = 30
WORK_AFTER_SIGNAL_S = 0.5
# Long enough that a message not handed back would still be invisible when the test looks.
VISIBILITY_S = 30


async def main(queue_url: str, dlq_url: str, markers: Path, drain_s: float, table: str) -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)

    async def transcode(event: VideoUploaded) -> None:
        (markers / "started").write_text(event.id)
        await asyncio.wait_for(stop.wait(), WAIT_FOR_SIGNAL_S)
        await asyncio.sleep(WORK_AFTER_SIGNAL_S)  # the rest of the work, after the signal
        (markers / "finished").write_text(event.id)

    settings = Settings()
    async with open_clients(settings) as aws:
        config = ConsumerConfig(
            name="slow-worker",
            queue_url=queue_url,
            dlq_url=dlq_url,
            wait_time_s=1,
            visibility_timeout_s=VISIBILITY_S,
            drain_s=drain_s,
        )
        consumer = Consumer(
            aws.sqs,
            config,
            handlers={"video.uploaded": transcode},
            decode=decode_event,
            idempotency=IdempotencyStore(
                aws.dynamodb, table, ttl_s=3600, in_progress_expiry_s=config.claim_lease_s
            ),
        )
        await consumer.run(stop)


if __name__ == "__main__":
    configure_logging("slow-worker")
    queue_url, dlq_url, marker_dir, drain_s, table = sys.argv[1:6]
    asyncio.run(main(queue_url, dlq_url, Path(marker_dir), float(drain_s), table))
