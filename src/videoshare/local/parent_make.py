"""`make run` stops when only the `make` process is signalled, as IDEs and scripts do it.

GNU make passes SIGTERM on to the command it runs, but not SIGINT: it expects a terminal's
Ctrl-C to have reached the whole process group. Signalled alone, it sets SIGINT back to its
default action, blocks it, and waits for its child to exit before dying of it, so nothing
would ever stop. The runner therefore watches the `make` that started it, and stops when that
make is in this state, or is gone (killed). Linux only (`/proc/PID/status`); elsewhere, and
when the runner was not started by make, there is nothing to watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path
from typing import Final

MAKE_NAMES: Final = frozenset({"make", "gmake"})
POLL_S = 0.5
_STOPPING: Final = (signal.SIGINT, signal.SIGTERM)


def make_parent() -> int | None:
    """The pid of the `make` this process is the command of; None for any other parent."""
    parent = os.getppid()
    try:
        name = Path(f"/proc/{parent}/comm").read_text().strip()
    except OSError:
        return None
    return parent if name in MAKE_NAMES else None


def blocked_signals(status: str) -> set[int]:
    """The signals a `/proc/PID/status` text says are blocked (its `SigBlk` mask)."""
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name == "SigBlk":
            mask = int(value.strip(), 16)
            return {number for number in range(1, 65) if mask & (1 << (number - 1))}
    return set()


def make_is_stopping(pid: int) -> bool:
    """True when `pid` is gone, or blocks SIGINT or SIGTERM: make does both only while it
    handles one of them, waiting for its child to exit."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return bool(blocked_signals(status) & set(_STOPPING))


async def stop_with_make(pid: int, stop: asyncio.Event) -> None:
    """Set `stop` once the make `pid` is being stopped (or has died); return when `stop` is set."""
    while not stop.is_set():
        if os.getppid() != pid or make_is_stopping(pid):
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_S)
