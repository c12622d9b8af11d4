"""Importing a video from a link: the ingress's request, and the importer's fetch.

The ingress (`request_import`): the link must be http(s) to a public host (locally, with
`import_allow_private_sources`, any host: a test server on loopback), checked as a webhook URL
is; the import cap (`import_max_bytes`, or what is left of the owner's quota when less) is
reserved and counted as one of the day's videos; the record is written `awaiting_upload`
with its `import_url`, then `video.created` and `video.import_requested` are published.

The importer (`import_source`), on `video.import_requested`:

    no record                                       → Reject unknown_video
    awaiting_upload                                 → fetch (`SourceFetcher`, at most the cap),
                                                      first bytes sniffed, streamed into the
                                                      source key as a multipart upload, the
                                                      record's `progress` following the bytes
                                                      when the link announced its size
                                                      (`import_progress.py`); before it
                                                      completes, the record takes the real size
                                                      (and 100 %) and the quota the real
                                                      reservation; then S3 tells the
                                                      upload-finalizer, and the pipeline goes
                                                      on as for an upload
    the link gives no video (404, too large, not a  → rejected (`import_<code>`, the reason a
      video, unreachable, refused)                    sentence), storage released,
                                                      video.rejected; nothing stays in S3
    the link fails for now (5xx, 429)               → RetryLater (the give-up hook: failed)
    rejected by an import already                   → video.rejected said again (same id)
    anything else                                   → nothing
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol
from urllib.parse import urlsplit

import structlog

from videoshare.bus.outcomes import Reject, RetryLater
from videoshare.domain.errors import ImportUrlNotAllowed
from videoshare.domain.events import (
    VideoImportRequestedData,
    utc_now,
    video_created,
    video_import_requested,
    video_rejected,
)
from videoshare.domain.filenames import safe_filename
from videoshare.domain.video import Video, VideoStatus, Visibility
from videoshare.media.sniff import SNIFF_BYTES, sniff_container
from videoshare.settings import Settings
from videoshare.usecases.import_progress import FetchProgress
from videoshare.usecases.lifecycle import give_up, move
from videoshare.usecases.limits import Limits, release_storage, take_upload_quota
from videoshare.usecases.ports import (
    SourceFetcher,
    SourceUnavailable,
    UnsafeTarget,
    VideoJobPorts,
    WebhookTargets,
)
from videoshare.usecases.videos import PRODUCER, VideoPorts, new_record, upload_limit

log = structlog.get_logger("importer")

REJECTED_PREFIX = "import_"
GAVE_UP_REASON = "The video could not be fetched from its link."
DEFAULT_FILENAME = "imported.mp4"
# The sweep leaves an import alone this long after its fetch's own time limit.
EXPIRY_MARGIN = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class NewImport:
    """What a client declares of a video to import from a link."""

    title: str
    visibility: Visibility
    source_url: str
    description: str = ""
    tags: list[str] = field(default_factory=list)


class RequestPorts(VideoPorts, Protocol):
    @property
    def webhook_targets(self) -> WebhookTargets: ...


class ImportPorts(VideoJobPorts, Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def sources(self) -> SourceFetcher: ...


def import_cap(settings: Settings) -> int:
    return min(settings.import_max_bytes, upload_limit(settings.max_upload_bytes))


async def request_import(
    ports: RequestPorts,
    owner_id: str,
    new: NewImport,
    correlation_id: str,
    now: float,
    *,
    owner_display_name: str | None = None,
) -> Video:
    """A new video awaiting its import; `ImportUrlNotAllowed` before anything counts."""
    settings = ports.settings
    try:
        await ports.webhook_targets.check(
            new.source_url, allow_private=settings.imports_may_fetch_private
        )
    except UnsafeTarget as exc:
        raise ImportUrlNotAllowed(str(exc)) from None
    video_id = uuid.uuid4().hex
    # The fetch stops at the cap, or at what is left of the owner's quota when that is less.
    room = settings.storage_quota_bytes - await ports.quota.reserved_bytes(owner_id)
    cap = max(1, min(import_cap(settings), room))
    await take_upload_quota(ports, owner_id, video_id, cap, now)
    filename = _filename(new.source_url)
    video = new_record(
        video_id,
        owner_id,
        owner_display_name,
        new,
        correlation_id,
        filename=filename,
        content_type=_content_type(filename),
        declared_size_bytes=cap,
        upload_expires_at=utc_now() + timedelta(seconds=settings.import_timeout_s) + EXPIRY_MARGIN,
        import_url=new.source_url,
    )
    try:
        await ports.videos.create(video)
    except BaseException:
        await release_storage(ports, owner_id, video_id)
        raise
    await ports.publisher.publish(video_created(video, producer=PRODUCER))
    await ports.publisher.publish(video_import_requested(video, producer=PRODUCER))
    return video


async def import_source(
    ports: ImportPorts, data: VideoImportRequestedData, *, cause_id: str, producer: str
) -> None:
    """Fetch the video's link into its source key (see the module's table)."""
    video = await ports.videos.get(data.video_id)
    if video is None:
        raise Reject(f"no video record {data.video_id}", code="unknown_video")
    structlog.contextvars.bind_contextvars(video_id=video.id)
    if _rejected_by_import(video):
        await _say_rejected(ports, video, cause_id=cause_id, producer=producer)
        return
    if video.status is not VideoStatus.AWAITING_UPLOAD or video.import_url is None:
        log.info("not_awaiting_import", status=video.status.value)
        return
    progress = FetchProgress(ports.videos, video)

    async def sized(size: int) -> None:
        fetched = progress.current.import_fetched(size, progress=progress.final)
        progress.current = await move(ports.videos, fetched, expected=progress.current)
        await release_storage(ports, video.owner_id, video.id)
        quota = Limits.from_settings(ports.settings).storage_quota_bytes
        if not await ports.quota.reserve(video.owner_id, video.id, size, quota):
            raise SourceUnavailable("over_quota", "The video would take you over your quota.")

    chunks = ports.sources.stream(
        video.import_url,
        max_bytes=video.declared_size_bytes,
        allow_private=ports.settings.imports_may_fetch_private,
        on_length=progress.announced,
    )
    try:
        size = await ports.objects.put_stream(
            video.source_key,
            _sniffed(progress.counted(chunks)),
            content_type=video.content_type,
            before_complete=sized,
        )
    except SourceUnavailable as exc:
        if exc.transient:
            raise RetryLater(exc.reason) from exc
        current = progress.current
        rejected = await move(
            ports.videos, current.rejected(REJECTED_PREFIX + exc.code, exc.reason), expected=current
        )
        await release_storage(ports, rejected.owner_id, rejected.id)
        await _say_rejected(ports, rejected, cause_id=cause_id, producer=producer)
        return
    log.info("imported", size_bytes=size)


async def give_up_on_import(
    ports: ImportPorts, data: VideoImportRequestedData, *, cause_id: str, producer: str
) -> None:
    """No attempt fetched the link: the video is `failed`."""
    await give_up(ports, data.video_id, cause_id=cause_id, reason=GAVE_UP_REASON, producer=producer)


async def _sniffed(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`chunks`, once their first bytes look like a video container."""
    head = b""
    checked = False
    async for chunk in chunks:
        if checked:
            yield chunk
            continue
        head += chunk
        if len(head) >= SNIFF_BYTES:
            _check_container(head)
            checked = True
            yield head
    if not checked:
        _check_container(head)
        yield head


def _check_container(head: bytes) -> None:
    if not sniff_container(head):
        raise SourceUnavailable(
            "not_a_video", "The file at the link is not a video we can read (MP4, MOV, MKV, WebM)."
        )


async def _say_rejected(ports: ImportPorts, video: Video, *, cause_id: str, producer: str) -> None:
    await ports.publisher.publish(
        video_rejected(
            video,
            video.status_code or REJECTED_PREFIX + "refused",
            video.status_reason or "The video could not be imported.",
            cause_id=cause_id,
            producer=producer,
            verdict_on_upload=True,
        )
    )


def _rejected_by_import(video: Video) -> bool:
    return video.status is VideoStatus.REJECTED and (video.status_code or "").startswith(
        REJECTED_PREFIX
    )


def _filename(url: str) -> str:
    name = safe_filename(urlsplit(url).path.rsplit("/", 1)[-1]) if urlsplit(url).path else ""
    return name or DEFAULT_FILENAME


def _content_type(filename: str) -> str:
    guessed, _ = mimetypes.guess_type(filename)
    return guessed if guessed and guessed.startswith("video/") else "video/mp4"
