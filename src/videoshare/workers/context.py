"""What every worker's handlers may use, built once per process (the worker's `bootstrap`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from videoshare.adapters.notifications import NotificationRepository
from videoshare.adapters.videos import VideoRepository
from videoshare.aws import AwsClients
from videoshare.bus.inbound import decode_event
from videoshare.bus.publisher import Publisher
from videoshare.bus.runtime import Handler, Inbound
from videoshare.infra.resources import Resources
from videoshare.infra.topology import NOTIFICATIONS_TABLE, VIDEOS_TABLE
from videoshare.settings import Settings


@dataclass(frozen=True, slots=True)
class WorkerContext:
    name: str
    settings: Settings
    aws: AwsClients
    resources: Resources
    videos: VideoRepository
    notifications: NotificationRepository
    publisher: Publisher

    @classmethod
    def build(
        cls, name: str, settings: Settings, aws: AwsClients, resources: Resources
    ) -> WorkerContext:
        return cls(
            name=name,
            settings=settings,
            aws=aws,
            resources=resources,
            videos=VideoRepository(aws.dynamodb, settings.table(VIDEOS_TABLE)),
            notifications=NotificationRepository(aws.dynamodb, settings.table(NOTIFICATIONS_TABLE)),
            publisher=Publisher(aws.sns, resources.topic_arn),
        )


GiveUpHook = Callable[[Any, BaseException], Awaitable[None]]
# Work a worker does beside its consumer (housekeeping's sweep), until the event is set.
Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class WorkerDefinition:
    """A worker is a map of message types to plain async handlers, plus how to read its queue."""

    handlers: Mapping[str, Handler]
    decode: Callable[[str], Inbound | None] = decode_event
    on_give_up: GiveUpHook | None = None
    background: Background | None = None
