"""The ports: what the use cases need of the outside world, as `Protocol`s.

The adapters (`videoshare.adapters`) implement them against AWS; the unit tests' in-memory
fakes (`tests/fakes/`) implement them too, and one contract suite (`tests/contract/`) runs
against both, so the fakes cannot drift. Each use-case module declares the few ports it needs
as a `Protocol` of its own (`class VideoPorts(Protocol)`), which `bootstrap.Dependencies`
satisfies as it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from videoshare.domain.events import Event
from videoshare.domain.notifications import Notification
from videoshare.domain.video import Video, VideoStatus
from videoshare.domain.webhooks import Delivery


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


# --- the workers' ports (h2) -------------------------------------------------------------------
# What the workers' use cases need beside the video records and the publisher: the media
# bucket's objects, the search index, the owners' inboxes, their webhooks and the videos still
# on their way (the sweep's index). `Webhook`, `WebhookRegistry`, `Inbox` and `TermIndex` are
# the names the ingress's ports (h1) give the same things: one port each once both are in (the
# ingress lists the inbox and searches the index, the workers add to them).


@dataclass(frozen=True, slots=True)
class ObjectStart:
    """An object's whole size and its first bytes (all of them when it is shorter)."""

    size: int
    first_bytes: bytes


class ObjectStore(Protocol):
    """The media bucket's objects (`adapters.media_objects.MediaObjects`), at the keys
    `domain/keys.py` lays out. Whichever call finds no object at a key it needs raises
    `ObjectMissing`."""

    @property
    def bucket(self) -> str:
        """The bucket's name, as S3's notifications give it."""

    async def read_start(self, key: str, count: int) -> ObjectStart:
        """The object's size and first `count` bytes, from one request."""

    async def download(self, key: str, path: Path, *, max_bytes: int | None = None) -> int:
        """Stream the object into the file `path` (never whole in memory); its size.
        `ObjectTooLarge`, before anything is written, when it is larger than `max_bytes`."""

    async def upload(self, path: Path, key: str, *, content_type: str) -> None:
        """Put the file `path` at `key` (in parts when it is large)."""

    async def delete(self, keys: Sequence[str]) -> None:
        """Delete the objects at `keys`; a key with no object is no error."""

    async def list_keys(self, prefix: str) -> list[str]:
        """Every key under `prefix`, in key order."""

    async def abort_uploads(self, prefix: str) -> int:
        """Abort every multipart upload still open under `prefix`; how many were."""

    async def exists(self, key: str) -> bool:
        """Whether there is an object at `key`."""


class TermIndex(Protocol):
    """The search index (`adapters.search.SearchIndex`), as the metadata-indexer writes it."""

    async def reindex(self, video_id: str, video: Video | None) -> None:
        """Make the entries of `video_id` what `video` says now: none unless it is searchable
        (ready and public), none when there is no record (None)."""


class Inbox(Protocol):
    """Each user's notifications (`adapters.notifications.NotificationRepository`), as the
    notifier adds to them."""

    async def add(self, note: Notification) -> bool:
        """Put `note` in its user's inbox; False when one with its id was there already."""


@dataclass(frozen=True, slots=True)
class Webhook:
    user_id: str
    url: str
    secret: str
    updated_at: datetime


class WebhookRegistry(Protocol):
    """Each user's one webhook (`adapters.webhooks.WebhookRepository`)."""

    async def put(self, user_id: str, url: str) -> Webhook:
        """Set the webhook, with a fresh signing secret."""

    async def get(self, user_id: str) -> Webhook | None: ...

    async def delete(self, user_id: str) -> bool:
        """False when there was none."""


class DeliveryQueue(Protocol):
    """The webhook-sender's queue of delivery attempts (`adapters.webhooks.WebhookDeliveries`)."""

    async def enqueue(self, delivery: Delivery, delay_s: float) -> None:
        """Put an attempt on the queue, handed out after `delay_s` (at most 15 min)."""


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one signed POST to a webhook did."""

    delivered: bool  # any 2xx
    status: int | None = None  # the receiver's answer, when there was one
    error: str | None = None  # why there was none
    refused: bool = False  # the target is not allowed: retrying would not help


class WebhookPoster(Protocol):
    """The one signed POST of a delivery to a user's webhook
    (`adapters.webhooks.SignedWebhookPoster`)."""

    async def post(self, hook: Webhook, delivery: Delivery, body: bytes) -> AttemptResult:
        """POST `body` to the hook's URL, signed with its secret; never raises."""


class PendingVideoIndex(Protocol):
    """The videos in a non-terminal status (`adapters.pending_videos.PendingVideos`: a sparse
    index, nothing else is read)."""

    def before(self, status: VideoStatus, before: datetime) -> AsyncIterator[Video]:
        """Every video in `status` whose last update was before `before`."""
