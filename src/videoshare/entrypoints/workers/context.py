"""What a worker's definition is built from (its name, the producer of what it publishes, and the
process's wiring from `bootstrap`) and what it is (`WorkerDefinition`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from videoshare.bootstrap import Dependencies
from videoshare.bus.runtime import GiveUpHook, Handler, Inbound
from videoshare.entrypoints.workers.messages import decode_event


@dataclass(frozen=True, slots=True)
class WorkerContext:
    """One worker's name (the `producer` of what it publishes) and the process's wiring."""

    name: str
    deps: Dependencies


# Work a worker does beside its consumer (housekeeping's sweep), until the event is set.
Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class WorkerDefinition:
    """A worker is a map of message types to plain async handlers, plus how to read its queue."""

    handlers: Mapping[str, Handler]
    decode: Callable[[str], Inbound | None] = decode_event
    on_give_up: GiveUpHook | None = None
    background: Background | None = None
