"""The consumer runtime: reads one SQS queue and turns each message into one explicit outcome.

A worker is a map of event types to plain async handlers; `Consumer` does the rest:

- long polls (`wait_time_s`) for batches of up to 10, never more than it has free slots for,
  so at most `max_in_flight` messages of this process are being handled at once;
- decodes each body at the edge (`decode`), finds its handler by `type`, and runs it once per
  event id (`IdempotencyStore`), while a heartbeat keeps the message invisible;
- settles each message on its own: done → deleted; `RetryLater` or any other exception →
  made visible again after exponential backoff with jitter; `Reject`, a body that does not
  decode or a type nobody handles → to the dead-letter queue now, with the reason attached;
  on the last allowed receive a failure is given up: `on_give_up`, then the dead-letter queue;
- writes one log line per message (outcome, attempt, duration, event id, type, correlation id);
- on `stop`, receives no more and returns within `config.stop_bound_s`, whether AWS answers
  or not: the handlers in flight may go on for `drain_s` (0: none), then each is cancelled and
  its message handed back (visible again at once, its idempotency claim released), every call
  on the way out bounded by `stop_call_timeout_s`. The long poll in flight is left to finish
  its wait (a cancelled one still takes messages on the server, invisible until their
  timeout), and what it returns is handed back too.

`drain()` is arq's burst mode, for tests: handle until the queue is empty, then return.

    stop = asyncio.Event()
    stop_on_signals(stop)  # SIGTERM / SIGINT set it
    consumer = Consumer(
        aws.sqs,
        ConsumerConfig("transcoder", queue_url, dlq_url),
        handlers={"video.uploaded": transcode},
        decode=decode_event,
        idempotency=IdempotencyStore(aws.dynamodb, table, ttl_s=..., in_progress_expiry_s=...),
        on_give_up=mark_failed,
    )
    await consumer.run(stop)
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from videoshare.bus.contract import ConsumerConfig, Decode, GiveUpHook, Handler, Inbound
from videoshare.bus.dispatch import Dispatcher
from videoshare.bus.hand_back import hand_back
from videoshare.bus.idempotency import IdempotencyStore
from videoshare.bus.settlement import Outcome, ReceivedMessage, Settlement

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

__all__ = [
    "Consumer",
    "ConsumerConfig",
    "Counters",
    "Decode",
    "GiveUpHook",
    "Handler",
    "Inbound",
    "Outcome",
    "Settlement",
    "stop_on_signals",
]

log = structlog.get_logger("consumer")


@dataclass
class Counters:
    """Messages this consumer has settled, in total and by outcome."""

    handled: int = 0
    by_outcome: dict[Outcome, int] = field(default_factory=dict)


class Consumer:
    def __init__(
        self,
        sqs: SQSClient,
        config: ConsumerConfig,
        *,
        handlers: Mapping[str, Handler],
        decode: Decode,
        idempotency: IdempotencyStore | None = None,
        on_give_up: GiveUpHook | None = None,
        on_settled: Callable[[Settlement], None] | None = None,
        on_received: Callable[[int], None] | None = None,
    ) -> None:
        """`on_settled` is called once per message with what became of it, `on_received` with
        the size of each non-empty batch received (the metrics seams)."""
        self._sqs = sqs
        self.config = config
        self._on_settled = on_settled
        self._on_received = on_received
        self._dispatcher = Dispatcher(
            sqs,
            config,
            handlers=handlers,
            decode=decode,
            idempotency=idempotency,
            on_give_up=on_give_up,
            on_settled=self._settled,
        )
        self._in_flight: set[asyncio.Task[None]] = set()
        self.counters = Counters()

    async def run(self, stop: asyncio.Event) -> None:
        """Handle messages until `stop` is set; then stop within `config.stop_bound_s`."""
        failures = 0
        polling: asyncio.Task[list[MessageTypeDef]] | None = None  # in flight at the stop
        log.info("consumer started", consumer=self.config.name, queue=self.config.queue_name)
        try:
            while not stop.is_set():
                free = await self._free_slots(stop)
                if stop.is_set():
                    break
                receive = asyncio.create_task(self._receive(free))
                await _until_done_or_stopped(receive, stop=stop)
                if not receive.done():
                    polling = receive
                    break
                try:
                    messages = receive.result()
                except Exception:
                    failures += 1
                    pause = min(30.0, self.config.receive_error_pause_s * 2 ** (failures - 1))
                    log.exception("receive failed", queue=self.config.queue_name, pause_s=pause)
                    await _wait(stop, pause)
                    continue
                failures = 0
                if stop.is_set():
                    await self._hand_back(messages)
                    break
                self._start(messages)
        finally:
            await asyncio.gather(self._stop_in_flight(), self._end_poll(polling))
        log.info("consumer stopped", consumer=self.config.name, queue=self.config.queue_name)

    async def drain(self, *, idle_polls: int = 1) -> int:
        """Burst mode: handle until `idle_polls` receives in a row find nothing and nothing is
        in flight; return how many messages were handled (whatever their outcome)."""
        handled_before = self.counters.handled
        idle = 0
        try:
            while idle < idle_polls:
                free = await self._free_slots()
                busy = bool(self._in_flight)
                messages = await self._receive(free)
                if messages:
                    idle = 0
                    self._start(messages)
                elif self._in_flight:
                    await self._settle_in_flight()  # a retry may come back: poll again after
                elif not busy:
                    # Only a poll that began with nothing in flight counts: one that overlapped
                    # a settlement may have missed the message that settlement made visible.
                    idle += 1
        finally:
            await self._settle_in_flight()
        return self.counters.handled - handled_before

    @property
    def in_flight(self) -> int:
        """Messages this consumer is handling now."""
        return len(self._in_flight)

    async def _free_slots(self, stop: asyncio.Event | None = None) -> int:
        """Wait until at least one of the `max_in_flight` slots is free (or `stop` is set);
        how many are."""
        while len(self._in_flight) >= self.config.max_in_flight:
            if stop is None:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            if stop.is_set():
                break
            await _until_done_or_stopped(*self._in_flight, stop=stop)
        return max(0, self.config.max_in_flight - len(self._in_flight))

    async def _receive(self, free: int) -> list[MessageTypeDef]:
        response = await self._sqs.receive_message(
            QueueUrl=self.config.queue_url,
            MaxNumberOfMessages=min(free, self.config.batch_size),
            WaitTimeSeconds=self.config.wait_time_s,
            VisibilityTimeout=self.config.visibility_timeout_s,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def _start(self, messages: list[MessageTypeDef]) -> None:
        if messages and self._on_received is not None:
            self._on_received(len(messages))
        for message in messages:
            task = asyncio.create_task(self._process(ReceivedMessage.of(message)))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _process(self, received: ReceivedMessage) -> None:
        try:
            await self._dispatcher.process(received)
        finally:
            self.counters.handled += 1

    def _settled(self, settlement: Settlement) -> None:
        counts = self.counters.by_outcome
        counts[settlement.outcome] = counts.get(settlement.outcome, 0) + 1
        if self._on_settled is not None:
            self._on_settled(settlement)

    async def _settle_in_flight(self) -> None:
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))

    async def _stop_in_flight(self) -> None:
        """Let the handlers in flight go on for `drain_s`; then cancel the rest, each of which
        hands its message back (`Dispatcher`) and is waited for."""
        pending = set(self._in_flight)
        if pending and self.config.drain_s > 0:
            log.info("draining", in_flight=len(pending), drain_s=self.config.drain_s)
            _, pending = await asyncio.wait(pending, timeout=self.config.drain_s)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    async def _end_poll(self, polling: asyncio.Task[list[MessageTypeDef]] | None) -> None:
        """The long poll in flight at the stop: given until its wait is over (and a call's
        bound more), what it returns is handed back; after that it is cancelled. Not sooner:
        a cancelled long poll still takes messages on the server, invisible until their timeout."""
        if polling is None:
            return
        bound = self.config.wait_time_s + self.config.stop_call_timeout_s
        await asyncio.wait([polling], timeout=bound)
        if not polling.done():
            log.warning("long poll abandoned on stop", after_s=bound)
            polling.cancel()
            await asyncio.wait([polling])
            return
        if polling.cancelled() or polling.exception() is not None:
            return  # nothing was received
        await self._hand_back(polling.result())

    async def _hand_back(self, messages: list[MessageTypeDef]) -> None:
        """Make what a poll returned after `stop` was set visible again, for another consumer."""
        if not messages:
            return
        handles = [m["ReceiptHandle"] for m in messages]
        timeout_s = self.config.stop_call_timeout_s
        count = await hand_back(self._sqs, self.config.queue_url, handles, timeout_s=timeout_s)
        log.info("handed messages back on stop", count=count)


def stop_on_signals(
    stop: asyncio.Event, signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT)
) -> None:
    """Set `stop` when the process receives one of `signals` (call inside the running loop)."""
    loop = asyncio.get_running_loop()
    for sig in signals:
        loop.add_signal_handler(sig, _stop_now, stop, sig)


def _stop_now(stop: asyncio.Event, sig: signal.Signals) -> None:
    log.info("stopping: finishing the messages in flight", signal=sig.name)
    stop.set()


async def _until_done_or_stopped(*tasks: asyncio.Task[Any], stop: asyncio.Event) -> None:
    """Wait until one of `tasks` is done or `stop` is set."""
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({*tasks, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
