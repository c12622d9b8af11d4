"""Videos: create one (and its Upload), read one, list the caller's or the public ones.

Creating a video: refuse what cannot be a video (`NotAVideo`) or is too large
(`UploadTooLarge`) before anything counts, take the quotas (`usecases/limits.py`), start the
Upload (`usecases/upload_urls.py`), write the record (`awaiting_upload`), then publish
`video.created` with the request id as its correlation id. The bytes go straight to S3.

Reading: one `VideoNotFound` for a malformed id, an unknown one, a deleted video and someone
else's private one, so nobody learns which ids exist.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Protocol

from videoshare.domain import keys
from videoshare.domain.errors import NotAVideo, UploadTooLarge, VideoNotFound
from videoshare.domain.events import utc_now, video_created
from videoshare.domain.filenames import safe_filename
from videoshare.domain.upload_plan import MAX_OBJECT_BYTES
from videoshare.domain.video import Video, VideoStatus, Visibility
from videoshare.settings import Settings
from videoshare.usecases.limits import release_storage, take_upload_quota
from videoshare.usecases.ports import (
    Counters,
    EventPublisher,
    MediaStore,
    StorageQuota,
    VideoStore,
)
from videoshare.usecases.upload_urls import MultipartUpload, Upload, start_upload

PRODUCER = "ingress"
VIDEO_EXTENSIONS = frozenset(
    {
        "3g2",
        "3gp",
        "avi",
        "flv",
        "m2ts",
        "m4v",
        "mkv",
        "mov",
        "mp4",
        "mpeg",
        "mpg",
        "mts",
        "mxf",
        "ogv",
        "ts",
        "webm",
        "wmv",
    }
)
_VIDEO_TYPE = re.compile(r"^video/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_VIDEO_ID = re.compile(r"^[0-9a-f]{32}$")


class ReadPorts(Protocol):
    @property
    def videos(self) -> VideoStore: ...


class VideoPorts(ReadPorts, Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def storage(self) -> MediaStore: ...
    @property
    def publisher(self) -> EventPublisher: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def quota(self) -> StorageQuota: ...


@dataclass(frozen=True, slots=True)
class NewVideo:
    """What a client declares of a video it is about to upload."""

    title: str
    visibility: Visibility
    filename: str
    content_type: str
    size_bytes: int
    description: str = ""
    tags: list[str] = field(default_factory=list)


def upload_limit(max_upload_bytes: int) -> int:
    return min(max_upload_bytes, MAX_OBJECT_BYTES)


def checked_content_type(new: NewVideo, max_upload_bytes: int) -> str:
    """The media type to sign (parameters dropped); `NotAVideo`, or `UploadTooLarge`."""
    media_type = new.content_type.split(";", 1)[0].strip()
    if not _VIDEO_TYPE.match(media_type):
        raise NotAVideo(
            f"`content_type` {new.content_type!r} is not a video type; send the file's own "
            "type, such as video/mp4, video/quicktime or video/webm.",
            field="content_type",
            reasons=["must be a video/* type"],
        )
    extension = PurePosixPath(new.filename).suffix.lower().removeprefix(".")
    if extension not in VIDEO_EXTENSIONS:
        raise NotAVideo(
            f"`filename` {new.filename!r} does not end in a video extension "
            f"({', '.join('.' + e for e in sorted(VIDEO_EXTENSIONS))}).",
            field="filename",
            reasons=["must end in a video extension"],
        )
    limit = upload_limit(max_upload_bytes)
    if new.size_bytes > limit:
        raise UploadTooLarge(
            f"The video is {_human(new.size_bytes)}; this service takes at most {_human(limit)}.",
            field="size_bytes",
            reasons=[f"must be at most {limit}"],
        )
    return media_type


async def create_video(
    ports: VideoPorts,
    owner_id: str,
    new: NewVideo,
    correlation_id: str,
    now: float,
    *,
    owner_display_name: str | None = None,
) -> tuple[Video, Upload]:
    """A new video awaiting its upload, and the Upload; a request refused for what it is
    (not a video, too large) is refused before it counts against a quota. The owner's display
    name is kept on the record, as it is now, to show beside the video."""
    content_type = checked_content_type(new, ports.settings.max_upload_bytes)
    video_id = uuid.uuid4().hex
    await take_upload_quota(ports, owner_id, video_id, new.size_bytes, now)
    try:
        video, upload = await _create(
            ports, owner_id, owner_display_name, video_id, new, content_type, correlation_id
        )
    except BaseException:
        await release_storage(ports, owner_id, video_id)  # no video holds it
        raise
    # A crash between these two lines leaves a record without its event: housekeeping's job.
    await ports.publisher.publish(video_created(video, producer=PRODUCER))
    return video, upload


async def _create(
    ports: VideoPorts,
    owner_id: str,
    owner_display_name: str | None,
    video_id: str,
    new: NewVideo,
    content_type: str,
    correlation_id: str,
) -> tuple[Video, Upload]:
    """The video's Upload and its record, written."""
    source_key = keys.source_key(video_id)
    upload = await start_upload(ports, source_key, content_type, new.size_bytes)
    multipart = (
        {"multipart_upload_id": upload.upload_id, "part_size_bytes": upload.part_size}
        if isinstance(upload, MultipartUpload)
        else {}
    )
    video = new_record(
        video_id,
        owner_id,
        owner_display_name,
        new,
        correlation_id,
        filename=safe_filename(new.filename),
        content_type=content_type,
        declared_size_bytes=new.size_bytes,
        upload_expires_at=upload.expires_at,
        **multipart,
    )
    await ports.videos.create(video)
    return video, upload


class Described(Protocol):
    """What a client says of any new video, uploaded or imported."""

    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def visibility(self) -> Visibility: ...


def new_record(
    video_id: str,
    owner_id: str,
    owner_display_name: str | None,
    described: Described,
    correlation_id: str,
    **source: Any,
) -> Video:
    """A new record awaiting its source at the video's source key, as `described`; `source`:
    how it arrives (file name and type, declared size, expiry, multipart or import fields)."""
    created_at = utc_now()
    return Video(
        id=video_id,
        owner_id=owner_id,
        owner_display_name=owner_display_name,
        title=described.title,
        description=described.description,
        tags=described.tags,
        visibility=described.visibility,
        created_at=created_at,
        updated_at=created_at,
        source_key=keys.source_key(video_id),
        correlation_id=correlation_id,
        **source,
    )


async def readable_video(ports: ReadPorts, video_id: str, user_id: str | None) -> Video:
    """The video if `user_id` (None: anonymous) may see it; `VideoNotFound` otherwise."""
    if not _VIDEO_ID.match(video_id):
        raise VideoNotFound()
    video = await ports.videos.get(video_id)
    if video is None or not video.visible_to(user_id):
        raise VideoNotFound()
    return video


async def list_mine(
    ports: ReadPorts, user_id: str, limit: int, cursor: str | None
) -> tuple[list[Video], str | None]:
    """A page of the caller's videos, newest first (deleted ones left out: pages may be short);
    `BadCursor` for a cursor of another listing."""
    page = await ports.videos.list_by_owner(user_id, limit, cursor)
    return [v for v in page.items if v.status is not VideoStatus.DELETED], page.next_cursor


async def list_public(
    ports: ReadPorts, limit: int, cursor: str | None, *, most_viewed: bool = False
) -> tuple[list[Video], str | None]:
    """A page of the ready public videos, newest first (or the most viewed first)."""
    listing = ports.videos.list_popular if most_viewed else ports.videos.list_public
    page = await listing(limit, cursor)
    return page.items, page.next_cursor


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError(size)
