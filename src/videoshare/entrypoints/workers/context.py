"""What every worker's handlers may use, built once per process (the worker's `bootstrap`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from videoshare.adapters.notifications import NotificationRepository
from videoshare.adapters.publisher import Publisher
from videoshare.adapters.videos import VideoRepository
from videoshare.aws import AwsClients
from videoshare.bootstrap import Dependencies
from videoshare.bus.runtime import GiveUpHook, Handler, Inbound
from videoshare.entrypoints.workers.messages import decode_event
from videoshare.infra.resources import Resources
from videoshare.settings import Settings


@dataclass(frozen=True, slots=True)
class WorkerContext:
    """One worker's name (the `producer` of what it publishes) and the process's wiring."""

    name: str
    deps: Dependencies

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    @property
    def aws(self) -> AwsClients:
        return self.deps.aws

    @property
    def resources(self) -> Resources:
        return self.deps.resources

    @property
    def videos(self) -> VideoRepository:
        return self.deps.videos

    @property
    def notifications(self) -> NotificationRepository:
        return self.deps.notifications

    @property
    def publisher(self) -> Publisher:
        return self.deps.publisher


# Work a worker does beside its consumer (housekeeping's sweep), until the event is set.
Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class WorkerDefinition:
    """A worker is a map of message types to plain async handlers, plus how to read its queue."""

    handlers: Mapping[str, Handler]
    decode: Callable[[str], Inbound | None] = decode_event
    on_give_up: GiveUpHook | None = None
    background: Background | None = None
