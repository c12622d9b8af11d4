"""The ports: what the use cases need of the outside world, as `Protocol`s.

The adapters (`videoshare.adapters`) implement them against AWS; the unit tests' in-memory
fakes (`tests/fakes/`) implement them too, and one contract suite (`tests/contract/`) runs
against both, so the fakes cannot drift. Each use-case module declares the few ports it needs
as a `Protocol` of its own (`class VideoPorts(Protocol)`), which `bootstrap.Dependencies`
satisfies as it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from videoshare.domain.events import Event
from videoshare.domain.limits import Backoff, Window
from videoshare.domain.notifications import Notification
from videoshare.domain.search_terms import Query
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

    async def list_popular(self, limit: int, cursor: str | None) -> Page:
        """Ready public videos, most viewed first; `BadCursor` likewise."""

    def cursor_after(self, video: Video) -> str:
        """The cursor of its owner's listing that continues after `video` (a search of the
        owner's videos stops within a page)."""

    async def remove(self, video_id: str) -> None:
        """Delete the record for good (its owner's account is going); none is no error."""


class ViewCounter(Protocol):
    """Views of videos (`adapters.views.BufferedViews`): counted once per viewer, video and
    hour, and added to the records (`Video.views`) later, in batches."""

    def counted_here(self, video_id: str, viewer: str, now: float) -> bool:
        """Whether this process counted that view this hour (memory only: no I/O)."""

    async def count(self, video_id: str, viewer: str, now: float) -> bool:
        """Count a view of `video_id` by `viewer`; False when it was counted this hour."""


class EventPublisher(Protocol):
    """Where domain events go (the SNS topic)."""

    async def publish(self, event: Event) -> None: ...


# --- the ingress's ports: storage, identity, tokens, counters, webhooks, inbox, search ----
# Each is implemented by an adapter (named beside it) and by an in-memory fake in `tests/fakes/`.


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """What a client needs to PUT the bytes: the URL, the headers to send, until when."""

    url: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class UploadedPart:
    part_number: int
    etag: str
    size: int


class MultipartRefused(Exception):
    """S3 refused a multipart call for the client's doing: `code` is S3's (InvalidPart,
    InvalidPartOrder, EntityTooSmall, NoSuchUpload, InvalidRequest)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class MediaStore(Protocol):
    """The media bucket (`adapters.storage.MediaStorage`): presigned uploads, never the bytes,
    except small files read or written whole (playlists; captions and posters the owner sends).
    What people read goes through `MediaUrlSigner`."""

    async def presign_upload(
        self, key: str, content_type: str, size_bytes: int, ttl_s: int
    ) -> PresignedUpload:
        """A single PUT of exactly `size_bytes` bytes of `content_type`."""

    async def start_multipart(self, key: str, content_type: str) -> str:
        """A new multipart upload of `key`; its upload id."""

    async def presign_parts(
        self, key: str, upload_id: str, part_sizes: list[int], ttl_s: int
    ) -> list[str]:
        """An UploadPart URL for each of parts 1..len(`part_sizes`), each signing its part's
        size: a part of another size is refused."""

    async def uploaded_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        """The parts held so far; `MultipartRefused` (NoSuchUpload) when the upload is gone."""

    async def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str]]
    ) -> None:
        """Join the parts (number, ETag) into the object; `MultipartRefused` when refused."""

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop the upload and every part it holds; done already (or unknown) is done."""

    async def exists(self, key: str) -> bool: ...

    async def read_text(self, key: str, max_bytes: int) -> str | None:
        """A small text object, or None when it does not exist."""

    async def read(self, key: str, max_bytes: int) -> bytes | None:
        """A small object's bytes, or None when it does not exist; `ValueError` when larger
        than `max_bytes`."""

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write a small object whole (replacing any at `key`)."""

    async def delete(self, key: str) -> None:
        """Remove the object; one that is not there is removed already."""

    async def object_sizes(self, prefix: str) -> dict[str, int]:
        """Every key under `prefix` and its object's size."""

    def read_range(self, key: str, start: int, stop: int) -> AsyncIterator[bytes]:
        """Bytes `start` to `stop` (exclusive) of the object at `key`, in chunks as they come
        (a rendition streamed through the ingress); `ObjectMissing` when it is not there."""


class MediaUrlSigner(Protocol):
    """Short-lived GET URLs of one video's objects (renditions, poster, HLS segments, the
    storyboard sprite, downloads): S3 presigned URLs without a CDN
    (`adapters.media_urls.S3MediaUrls`), CloudFront signed URLs scoped to the video's prefix
    with one (`adapters.media_urls.CloudFrontMediaUrls`). Every key must be one of the video's
    (under `media/{id}/` or `uploads/{id}/`); another is a `ValueError`."""

    async def media_urls(self, video_id: str, keys: Sequence[str], ttl_s: int) -> list[str]:
        """A GET for playing or showing each object, in the order of `keys`."""

    async def download_url(self, video_id: str, key: str, filename: str, ttl_s: int) -> str:
        """A GET that makes the browser save the object as `filename`."""


@dataclass(frozen=True, slots=True)
class Registration:
    user_id: str
    email: str
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    id_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - a token type, not a secret


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: str
    email: str | None
    display_name: str | None


class IdentityProvider(Protocol):
    """People and their sessions (`adapters.cognito.CognitoIdentity`). Refusals are the
    identity errors of `domain.errors` (`EmailTaken`, `BadCredentials`, `SessionEnded`, …)."""

    async def register(
        self, email: str, password: str, display_name: str | None
    ) -> Registration: ...

    async def confirm(self, email: str, code: str) -> None: ...

    async def login(self, email: str, password: str) -> Tokens:
        """Unknown users and wrong passwords alike: `BadCredentials`."""

    async def refresh(self, refresh_token: str) -> Tokens: ...

    async def logout(self, access_token: str) -> None:
        """Sign the user out everywhere: every refresh token of theirs stops working."""

    async def profile(self, access_token: str) -> Profile: ...

    async def forgot_password(self, email: str) -> str | None:
        """Send a password reset code to the address (an unknown address: nothing is sent,
        and nothing tells). The code itself only where the pool hands it out (the local
        emulator), else None."""

    async def reset_password(self, email: str, code: str, password: str) -> None:
        """A new password with the code sent; `BadConfirmationCode`, `WeakPassword`."""

    async def change_password(self, access_token: str, current: str, password: str) -> None:
        """`WrongPassword` unless `current` is the password; `WeakPassword`."""

    async def resend_code(self, email: str) -> None:
        """Send the sign-up confirmation code again; `AlreadyConfirmed`; an unknown address:
        nothing is sent, and nothing tells."""

    async def disable_user(self, username: str) -> None:
        """Refuse the user's logins and tokens from now on (an unknown one: done already)."""

    async def delete_user(self, username: str) -> None:
        """Delete the user from the pool; an unknown one is done already."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    sub: str
    jti: str
    origin_jti: str | None
    exp: int
    username: str | None


class SessionTokens(Protocol):
    """Access tokens (`adapters.tokens.AccessTokens`): verified, and refused after a logout."""

    async def verify(self, token: str) -> AccessClaims:
        """The claims of a valid, live token; `InvalidToken`, `ExpiredToken`, `RevokedToken`."""

    def revoke(self, claims: AccessClaims) -> None:
        """Refuse the session of `claims` from now on."""

    async def revoke_user(self, claims: AccessClaims) -> None:
        """Refuse every token of the user of `claims`, on every ingress process, at once."""


class Counters(Protocol):
    """Fixed-window counters shared by every ingress process (`adapters.counters`)."""

    async def hits(self, key: str, window: Window, now: float) -> int:
        """This window's count."""

    async def add(self, key: str, window: Window, now: float) -> int:
        """Count one more event; this window's count."""

    async def take(self, key: str, window: Window, now: float, amount: int = 1) -> bool:
        """Count `amount` more unless the window is full (its count at the limit or past it);
        False (nothing counted) when full. The last take may go past the limit."""

    async def clear(self, key: str, window: Window, now: float) -> None: ...


class LoginAttempts(Protocol):
    """Failed logins in a row per key, each attempt counted atomically in advance
    (`adapters.counters.LoginStreaks`), so parallel guesses cannot pass one wait together."""

    async def begin(self, key: str, backoff: Backoff, now: float, forget_after_s: int) -> float:
        """Count one attempt as a failure if one may be made now, and return 0; otherwise count
        nothing and return the seconds until one may. A streak untouched for `forget_after_s`
        begins again."""

    async def forgive(self, key: str) -> None:
        """The attempt succeeded: the streak ends."""


class StorageQuota(Protocol):
    """Each owner's storage, reserved per video (`adapters.storage_quota.StorageReservations`):
    atomic against parallel reservations, released once per video whatever repeats."""

    async def reserve(
        self, owner_id: str, video_id: str, size_bytes: int, quota_bytes: int
    ) -> bool:
        """Reserve `size_bytes` for the video if the owner's reservations stay within
        `quota_bytes`; False, and nothing reserved, otherwise (or when the video holds one)."""

    async def release(self, owner_id: str, video_id: str) -> None:
        """Give the video's reservation back; a repeat, or a video without one, changes nothing."""

    async def reserved_bytes(self, owner_id: str) -> int:
        """What the owner's videos hold reserved, in all."""

    async def forget(self, owner_id: str) -> None:
        """Drop everything kept of the owner's storage (their account is going)."""


class ProcessingSlots(Protocol):
    """Each owner's videos in processing at once (`adapters.processing_slots.ProcessingSlotTable`):
    at most a limit, atomic against parallel takers; a slot lapses at its expiry, so one held by a
    process that was killed is freed for the next taker."""

    async def take(
        self, owner_id: str, video_id: str, *, limit: int, now: float, ttl_s: float
    ) -> bool:
        """A slot for the video until `now + ttl_s`, if it holds one already (kept, with the new
        expiry) or the owner holds fewer than `limit` live ones; False, nothing taken, otherwise."""

    async def release(self, owner_id: str, video_id: str) -> None:
        """Free the video's slot; a repeat, or a video without one, changes nothing."""

    async def held(self, owner_id: str, now: float) -> int:
        """The owner's live slots."""

    async def forget(self, owner_id: str) -> None:
        """Drop every slot of the owner (their account is going)."""


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

    async def rotate(self, user_id: str) -> Webhook | None:
        """Give the existing webhook a fresh signing secret (atomically); None when there is
        none."""

    async def delete(self, user_id: str) -> bool:
        """False when there was none."""


class UnsafeTarget(Exception):
    """The URL's host is (or resolves to) an address webhooks must not call."""


class SourceUnavailable(Exception):
    """An import's link gave no video: `code` is stable (`not_found`, `too_large`,
    `not_a_video`, `unreachable`, `refused`), `reason` a sentence for the owner; `transient`
    when trying again later may help (a 5xx, a 429)."""

    def __init__(self, code: str, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.transient = transient


class SourceFetcher(Protocol):
    """Fetching an import's link (`adapters.source_fetch.GuardedSourceFetcher`): public
    addresses only (unless `allow_private`), every redirect checked again, at most `max_bytes`.
    Raises `SourceUnavailable`."""

    def stream(
        self,
        url: str,
        *,
        max_bytes: int,
        allow_private: bool,
        on_length: Callable[[int], None] | None = None,
    ) -> AsyncIterator[bytes]:
        """The body's bytes, in chunks, as they arrive; before the first, `on_length(n)` when
        the answer announced its size (`Content-Length`, at most `max_bytes`)."""


class WebhookTargets(Protocol):
    """Where webhooks may go (`adapters.webhooks.WebhookTargetCheck`, which resolves names)."""

    async def check(self, url: str, *, allow_private: bool) -> None:
        """`UnsafeTarget` unless the URL is http(s) to a public address (any, if allowed)."""


class Inbox(Protocol):
    """Each user's notifications (`adapters.notifications.NotificationRepository`): the
    notifier adds, the ingress lists."""

    async def add(self, note: Notification) -> bool:
        """Put `note` in its user's inbox; False when one with its id was there already."""

    async def list(
        self, user_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Notification], str | None]:
        """Newest first; `BadCursor` for a cursor not of this user's inbox."""

    async def clear(self, user_id: str) -> int:
        """Delete every entry of the user's inbox; how many there were."""


@dataclass(frozen=True, slots=True)
class Hits:
    video_ids: list[str]
    next_cursor: str | None


class TermIndex(Protocol):
    """The search index of ready public videos (`adapters.search.SearchIndex`): the
    metadata-indexer writes it, the ingress searches it."""

    async def reindex(self, video_id: str, video: Video | None) -> None:
        """Make the entries of `video_id` what `video` says now: none unless it is searchable
        (ready and public), none when there is no record (None)."""

    async def search(self, query: Query, limit: int, cursor: str | None) -> Hits:
        """Ids of videos matching every term, newest first; `BadCursor` for a cursor of
        another search."""


# --- the workers' ports -------------------------------------------------------------------
# What the workers' use cases need beside the ports above: the media bucket's objects, the
# webhook delivery queue and the POST, and the videos still on their way (the sweep's index).
# The inbox, the search index and the webhook registry are the ingress's ports above: the
# ingress lists and searches, the workers add and reindex.


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

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str,
        before_complete: Callable[[int], Awaitable[None]],
    ) -> int:
        """Write `chunks` at `key` as a multipart upload; `before_complete(size)` runs once all
        are sent and before the object appears (nothing appears when it raises, or `chunks`
        does: the upload is aborted). The object's size."""


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


class VideoJobPorts(Protocol):
    """What the workers that act on a video and its objects use (the upload-finalizer, the
    transcoder, housekeeping): the records, the bucket, the topic, the storage quota and the
    processing slots."""

    @property
    def videos(self) -> VideoStore: ...

    @property
    def objects(self) -> ObjectStore: ...

    @property
    def publisher(self) -> EventPublisher: ...

    @property
    def quota(self) -> StorageQuota: ...

    @property
    def slots(self) -> ProcessingSlots: ...
