"""The ports: what the use cases need of the outside world, as `Protocol`s.

The adapters (`videoshare.adapters`) implement them against AWS; the unit tests' in-memory
fakes (`tests/fakes/`) implement them too, and one contract suite (`tests/contract/`) runs
against both, so the fakes cannot drift. Each use-case module declares the few ports it needs
as a `Protocol` of its own (`class VideoPorts(Protocol)`), which `bootstrap.Dependencies`
satisfies as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from videoshare.domain.events import Event
from videoshare.domain.video import Video


@dataclass(frozen=True, slots=True)
class Page:
    """One page of videos and the cursor of the next (None: the last page)."""

    items: list[Video]
    next_cursor: str | None


class VideoStore(Protocol):
    """The video records. Every write is conditional on the version and status read."""

    async def create(self, video: Video) -> None:
        """Store a new record; `VideoExists` when its id is taken."""

    async def get(self, video_id: str) -> Video | None:
        """The record as last written (a consistent read), or None."""

    async def save(self, changed: Video, *, expected: Video) -> Video:
        """Write `changed` unless the record moved on from `expected` (`VideoConflict`)."""

    async def list_by_owner(self, owner_id: str, limit: int, cursor: str | None) -> Page:
        """The owner's videos, newest first; `BadCursor` for a cursor not of this listing."""

    async def list_public(self, limit: int, cursor: str | None) -> Page:
        """Ready public videos, newest first; `BadCursor` likewise."""


class EventPublisher(Protocol):
    """Where domain events go (the SNS topic)."""

    async def publish(self, event: Event) -> None: ...
