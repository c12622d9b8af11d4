"""A heartbeat: call something every few seconds while a block of code runs.

The consumer runtime uses it to keep extending a message's visibility timeout (and its
idempotency claim) while a long handler, such as a transcode, is still working:

    async with Heartbeat(extend_visibility, interval_s=20, name="visibility"):
        await handler(event)

A beat that fails is logged and the next one is tried; it never fails the block. Leaving the
block lets a beat already on the wire finish rather than cancelling it, so a late extension
can never land after the message has been settled; with `exit_timeout_s`, only for that long
(an unreachable AWS must not hold a stopping process): a beat still going then is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from types import TracebackType

import structlog

log = structlog.get_logger("heartbeat")

Beat = Callable[[], Awaitable[None]]


class Heartbeat:
    def __init__(
        self, beat: Beat, *, interval_s: float, name: str, exit_timeout_s: float | None = None
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"heartbeat interval must be positive, not {interval_s}")
        self._beat = beat
        self._interval_s = interval_s
        self._exit_timeout_s = exit_timeout_s
        self._name = name
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.beats = 0  # how many beats succeeded (for tests and metrics)

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.create_task(self._run(), name=f"heartbeat-{self._name}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped.set()
        if self._task is None:
            return
        try:
            await asyncio.wait([self._task], timeout=self._exit_timeout_s)
        finally:  # timed out, or cancelled while waiting: the beat goes too
            if not self._task.done():
                log.warning("heartbeat cut short", heartbeat=self._name)
                self._task.cancel()
                await asyncio.wait([self._task])

    async def _run(self) -> None:
        while not await self._wait_for_stop(self._interval_s):
            try:
                await self._beat()
            except Exception as exc:  # noqa: BLE001 - a missed beat must not fail the handler
                log.warning("heartbeat failed", heartbeat=self._name, error=repr(exc))
            else:
                self.beats += 1

    async def _wait_for_stop(self, timeout_s: float) -> bool:
        """True once the heartbeat is stopped; False when `timeout_s` passed first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), timeout_s)
        return self._stopped.is_set()
