"""One received message, from its body to exactly one settlement.

    decode → None:                  deleted ("skipped")
           → Reject / undecodable:  dead-lettered ("rejected")
    no handler for its type:        dead-lettered ("rejected", code "unknown_type")
    event already COMPLETED:        deleted without running the handler ("duplicate")
    handler returns:                COMPLETED, deleted ("done")
    handler raises Reject:          dead-lettered ("rejected")
    handler raises Defer:           sent again with its delay, the original deleted ("deferred":
                                    not its turn yet; no receive counted, nothing failed)
    handler raises anything else:   visible again after a backoff ("retry"), or, on the last
                                    allowed receive, `on_give_up` then dead-lettered ("gave_up")
    cancelled (a stopping consumer): the claim released, visible again at once ("handed_back")

A heartbeat keeps the message invisible the whole time, and another keeps the idempotency
claim alive while the handler runs. Then one log line says what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from structlog.contextvars import bound_contextvars

from videoshare.bus.backoff import backoff_delay, clamp_delay, clamp_visibility
from videoshare.bus.contract import ConsumerConfig, Decode, GiveUpHook, Handler, Inbound
from videoshare.bus.dlq import Failure, copy_attribute, dead_letter, describe_error
from videoshare.bus.hand_back import hand_back
from videoshare.bus.heartbeat import Heartbeat
from videoshare.bus.idempotency import AlreadyDone, Claim, HeldElsewhere, IdempotencyStore
from videoshare.bus.outcomes import Defer, Reject, RetryLater
from videoshare.bus.settlement import Outcome, ReceivedMessage, Settlement

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

log = structlog.get_logger("consumer")

Decoded = Inbound | Reject | None  # what the body became: a message, a rejection, or nothing


class HeldElsewhereRetry(RetryLater):
    """Another worker holds this event's claim: look again when that claim would expire."""

    def __init__(self, expires_in_s: float) -> None:
        super().__init__("being handled by another worker", delay_s=max(1.0, expires_in_s))


@dataclass(frozen=True, slots=True)
class _Result:
    outcome: Outcome
    reason: str | None = None
    error: BaseException | None = None
    delay_s: int | None = None


class Dispatcher:
    def __init__(
        self,
        sqs: SQSClient,
        config: ConsumerConfig,
        *,
        handlers: Mapping[str, Handler],
        decode: Decode,
        idempotency: IdempotencyStore | None,
        on_give_up: GiveUpHook | None,
        on_settled: Callable[[Settlement], None],
    ) -> None:
        self._sqs = sqs
        self._config = config
        self._handlers = dict(handlers)
        self._decode = decode
        self._idempotency = idempotency
        self._on_give_up = on_give_up
        self._on_settled = on_settled

    async def process(self, received: ReceivedMessage) -> None:
        """Settle `received`. Never raises: if settling itself fails (SQS unreachable), that
        is logged and the message comes back after its visibility timeout."""
        started = time.monotonic()
        context = {
            "consumer": self._config.name,
            "queue": self._config.queue_name,
            "message_id": received.message_id,
            "attempt": received.attempt,
        }
        try:
            with bound_contextvars(**context):
                decoded = self._decode_safely(received.body)
                with bound_contextvars(**_event_context(decoded)):
                    try:
                        async with self._visibility_heartbeat(received):
                            result = await self._handle(received, decoded)
                    except asyncio.CancelledError:
                        await self._hand_back(received, decoded, started)
                        raise
                    self._record(received, decoded, result, started)
        except Exception:
            log.exception("message not settled", **context)

    async def _hand_back(self, received: ReceivedMessage, decoded: Decoded, started: float) -> None:
        """Cut short by a stop: visible again now (the heartbeat has had its last beat), so
        the next receive anywhere takes it instead of waiting out its visibility timeout."""
        await hand_back(
            self._sqs,
            self._config.queue_url,
            [received.receipt_handle],
            timeout_s=self._config.stop_call_timeout_s,
        )
        stopped = _Result(Outcome.HANDED_BACK, reason="stopped before it finished")
        self._record(received, decoded, stopped, started)

    def _decode_safely(self, body: str) -> Decoded:
        try:
            return self._decode(body)
        except Reject as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - any decoder failure is a rejection, not a crash
            reject = Reject(
                f"could not decode the message: {describe_error(exc)}", code="malformed"
            )
            reject.__cause__ = exc
            return reject

    async def _handle(self, received: ReceivedMessage, decoded: Decoded) -> _Result:
        if isinstance(decoded, Reject):
            return await self._reject(received, decoded)
        if decoded is None:
            await self._delete(received)
            return _Result(Outcome.SKIPPED, reason="nothing to do")
        handler = self._handlers.get(decoded.type)
        if handler is None:
            unknown = Reject(
                f"{self._config.name} has no handler for messages of type {decoded.type!r}",
                code="unknown_type",
            )
            return await self._reject(received, unknown)
        try:
            outcome = await self._run_once(decoded, handler)
        except Reject as exc:
            return await self._reject(received, exc)
        except Defer as exc:
            return await self._defer(received, exc)
        except Exception as exc:  # noqa: BLE001 - RetryLater, or any failure: retried by default
            return await self._retry(received, decoded, exc)
        await self._delete(received)
        return _Result(outcome)

    async def _run_once(self, inbound: Inbound, handler: Handler) -> Outcome:
        """Run the handler, unless its event is done already (or being done elsewhere)."""
        store = self._idempotency
        if store is None:
            await handler(inbound)
            return Outcome.DONE
        begun = await store.begin(self._idempotency_key(inbound))
        if isinstance(begun, AlreadyDone):
            return Outcome.DUPLICATE
        if isinstance(begun, HeldElsewhere):
            raise HeldElsewhereRetry(begun.expires_in_s)
        try:
            async with _claim_heartbeat(store, begun, self._config.stop_call_timeout_s):
                await handler(inbound)
        except BaseException:
            # Bounded (a stop may be waiting): if not released, it still expires by itself.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self._config.stop_call_timeout_s):
                    await store.release(begun)
            raise
        try:
            await store.complete(begun)
        except Exception:  # the effect happened; the claim will expire by itself
            log.warning("could not record completion", exc_info=True)
        return Outcome.DONE

    def _idempotency_key(self, inbound: Inbound) -> str:
        return idempotency_key(self._config.name, inbound.id)

    # --- settling ---------------------------------------------------------------------------

    async def _retry(self, received: ReceivedMessage, inbound: Inbound, exc: Exception) -> _Result:
        if received.attempt >= self._config.max_receive_count:
            return await self._give_up(received, inbound, exc)
        requested = exc.delay_s if isinstance(exc, RetryLater) else None
        if requested is not None:
            delay = clamp_visibility(requested)
        else:
            delay = backoff_delay(
                received.attempt,
                base_s=self._config.backoff_base_s,
                cap_s=self._config.backoff_cap_s,
            )
        await self._sqs.change_message_visibility(
            QueueUrl=self._config.queue_url,
            ReceiptHandle=received.receipt_handle,
            VisibilityTimeout=delay,
        )
        return _Result(Outcome.RETRY, reason=_reason(exc), error=exc, delay_s=delay)

    async def _give_up(
        self, received: ReceivedMessage, inbound: Inbound, exc: Exception
    ) -> _Result:
        reason = f"gave up after {received.attempt} attempts: {_reason(exc)}"
        # A claim held elsewhere is not this event failing, so the hook (e.g. "mark the video
        # failed") would be wrong; the dead-lettered copy replays as a duplicate.
        if self._on_give_up is not None and not isinstance(exc, HeldElsewhereRetry):
            try:
                await self._on_give_up(inbound, exc)
            except Exception as hook_exc:  # recorded; the message is dead-lettered anyway
                log.exception("give-up hook failed")
                reason += f" (and the give-up hook failed: {describe_error(hook_exc)})"
        await self._dead_letter(
            received, Failure(reason, "gave_up", describe_error(exc), received.attempt)
        )
        return _Result(Outcome.GAVE_UP, reason=reason, error=exc)

    async def _reject(self, received: ReceivedMessage, exc: Reject) -> _Result:
        cause = exc.__cause__ or exc
        await self._dead_letter(
            received, Failure(exc.reason, exc.code, describe_error(cause), received.attempt)
        )
        return _Result(Outcome.REJECTED, reason=exc.reason, error=exc)

    async def _defer(self, received: ReceivedMessage, exc: Defer) -> _Result:
        """A copy, delayed, then the delete (a crash in between duplicates, never loses it): the
        copy starts again from its first receive."""
        delay = clamp_delay(exc.delay_s)
        await self._sqs.send_message(
            QueueUrl=self._config.queue_url,
            MessageBody=received.body,
            MessageAttributes={n: copy_attribute(v) for n, v in received.attributes.items()},
            DelaySeconds=delay,
        )
        await self._delete(received)
        return _Result(Outcome.DEFERRED, reason=exc.reason, delay_s=delay)

    async def _dead_letter(self, received: ReceivedMessage, failure: Failure) -> None:
        # The copy first, then the delete: a crash in between duplicates rather than loses it.
        await dead_letter(
            self._sqs,
            dlq_url=self._config.dlq_url,
            source_queue=self._config.queue_name,
            body=received.body,
            original_attributes=received.attributes,
            failure=failure,
        )
        await self._delete(received)

    async def _delete(self, received: ReceivedMessage) -> None:
        await self._sqs.delete_message(
            QueueUrl=self._config.queue_url, ReceiptHandle=received.receipt_handle
        )

    def _visibility_heartbeat(self, received: ReceivedMessage) -> Heartbeat:
        async def extend() -> None:
            await self._sqs.change_message_visibility(
                QueueUrl=self._config.queue_url,
                ReceiptHandle=received.receipt_handle,
                VisibilityTimeout=self._config.visibility_timeout_s,
            )

        return Heartbeat(
            extend,
            interval_s=self._config.heartbeat_every_s,
            name="visibility",
            exit_timeout_s=self._config.stop_call_timeout_s,
        )

    def _record(
        self, received: ReceivedMessage, decoded: Decoded, result: _Result, started: float
    ) -> None:
        """The one log line per message; then `on_settled` (the seam for metrics)."""
        settlement = Settlement(
            consumer=self._config.name,
            outcome=result.outcome,
            attempt=received.attempt,
            duration_s=time.monotonic() - started,
            event_type=None if isinstance(decoded, Reject) or decoded is None else decoded.type,
            reason=result.reason,
            delay_s=result.delay_s,
        )
        fields: dict[str, Any] = {
            "outcome": result.outcome.value,
            "duration_ms": round(settlement.duration_s * 1000, 1),
        }
        if result.reason is not None:
            fields["reason"] = result.reason
        if result.delay_s is not None:
            fields["retry_in_s"] = result.delay_s
        if result.error is not None and not isinstance(result.error, RetryLater | Reject | Defer):
            fields["exc_info"] = result.error  # unexpected: the traceback goes with the line
        log.log(result.outcome.log_level, "message handled", **fields)
        self._on_settled(settlement)


def _claim_heartbeat(store: IdempotencyStore, claim: Claim, exit_timeout_s: float) -> Heartbeat:
    async def extend() -> None:
        await store.extend(claim)

    return Heartbeat(
        extend,
        interval_s=store.in_progress_expiry_s / 3,
        name="idempotency",
        exit_timeout_s=exit_timeout_s,
    )


def _event_context(decoded: Decoded) -> dict[str, str]:
    if isinstance(decoded, Reject) or decoded is None:
        return {}
    return {
        "event_id": decoded.id,
        "event_type": decoded.type,
        "correlation_id": decoded.correlation_id,
    }


def _reason(exc: BaseException) -> str:
    return exc.reason if isinstance(exc, RetryLater | Reject | Defer) else describe_error(exc)


def idempotency_key(consumer: str, message_id: str) -> str:
    """The idempotency record's key of message `message_id` at `consumer`."""
    key = f"{consumer}:{message_id}"
    if len(key.encode()) > 1024:  # DynamoDB allows 2048 bytes; S3 ids can be long
        key = f"{consumer}:sha256:{hashlib.sha256(message_id.encode()).hexdigest()}"
    return key
