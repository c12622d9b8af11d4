"""What the video routes do, as plain functions over `Dependencies` (the handlers stay thin).

Creating a video: validate what cannot be a schema rule (415 not a video, 413 too large), write
the record (`awaiting_upload`), then publish `video.created` with the request id as its
correlation id. The upload itself goes straight to S3 through the presigned PUT.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath

from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import decode_cursor
from videoshare.adapters.storage import safe_filename
from videoshare.adapters.videos import PUBLIC_FEED, VideoRepository
from videoshare.bootstrap import Dependencies
from videoshare.domain import keys
from videoshare.domain.errors import BadCursor
from videoshare.domain.events import VideoCreated, VideoCreatedData, utc_now
from videoshare.domain.upload_plan import MAX_OBJECT_BYTES
from videoshare.domain.video import Rendition, Video, VideoStatus
from videoshare.entrypoints.http.problems import Problem, not_found, video_not_found
from videoshare.entrypoints.http.schemas import CreateVideoIn, UsageOut
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
SOURCE = "source"
_VIDEO_TYPE = re.compile(r"^video/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_VIDEO_ID = re.compile(r"^[0-9a-f]{32}$")
# The source can be downloaded once it arrived, until it is rejected or deleted.
_SOURCE_STATUSES = frozenset(
    {VideoStatus.UPLOADED, VideoStatus.PROCESSING, VideoStatus.READY, VideoStatus.FAILED}
)


@dataclass(frozen=True, slots=True)
class Download:
    key: str
    filename: str


def upload_limit(max_upload_bytes: int) -> int:
    return min(max_upload_bytes, MAX_OBJECT_BYTES)


def checked_content_type(body: CreateVideoIn, max_upload_bytes: int) -> str:
    """The media type to sign (parameters dropped); 415 unless a video, 413 when too large."""
    media_type = body.content_type.split(";", 1)[0].strip()
    if not _VIDEO_TYPE.match(media_type):
        raise Problem(
            415,
            "not-a-video",
            "Not a video",
            f"`content_type` {body.content_type!r} is not a video type; send the file's own "
            "type, such as video/mp4, video/quicktime or video/webm.",
            errors=[{"pointer": "#/content_type", "detail": "must be a video/* type"}],
        )
    extension = PurePosixPath(body.filename).suffix.lower().removeprefix(".")
    if extension not in VIDEO_EXTENSIONS:
        raise Problem(
            415,
            "not-a-video",
            "Not a video",
            f"`filename` {body.filename!r} does not end in a video extension "
            f"({', '.join('.' + e for e in sorted(VIDEO_EXTENSIONS))}).",
            errors=[{"pointer": "#/filename", "detail": "must end in a video extension"}],
        )
    limit = upload_limit(max_upload_bytes)
    if body.size_bytes > limit:
        raise Problem(
            413,
            "upload-too-large",
            "Upload too large",
            f"The video is {_human(body.size_bytes)}; this service takes at most {_human(limit)}.",
            errors=[{"pointer": "#/size_bytes", "detail": f"must be at most {limit}"}],
        )
    return media_type


async def create_video(
    svc: Dependencies, owner_id: str, body: CreateVideoIn, correlation_id: str
) -> tuple[Video, Upload]:
    content_type = checked_content_type(body, svc.settings.max_upload_bytes)
    video_id = uuid.uuid4().hex
    source_key = keys.source_key(video_id)
    upload = await start_upload(svc, source_key, content_type, body.size_bytes)
    multipart = (
        {"multipart_upload_id": upload.upload_id, "part_size_bytes": upload.part_size}
        if isinstance(upload, MultipartUpload)
        else {}
    )
    now = utc_now()
    video = Video(
        id=video_id,
        owner_id=owner_id,
        title=body.title,
        description=body.description,
        tags=body.tags,
        visibility=body.visibility,
        created_at=now,
        updated_at=now,
        filename=safe_filename(body.filename),
        content_type=content_type,
        declared_size_bytes=body.size_bytes,
        source_key=source_key,
        upload_expires_at=upload.expires_at,
        correlation_id=correlation_id,
        **multipart,
    )
    await svc.videos.create(video)
    # A crash between these two lines leaves a record without its event: housekeeping's job.
    await svc.publisher.publish(
        VideoCreated(
            correlation_id=correlation_id,
            producer=PRODUCER,
            data=VideoCreatedData(
                video_id=video.id,
                owner_id=owner_id,
                title=video.title,
                visibility=video.visibility,
                declared_size_bytes=video.declared_size_bytes,
                content_type=content_type,
            ),
        )
    )
    return video, upload


async def readable_video(svc: Dependencies, video_id: str, user_id: str | None) -> Video:
    """The video if `user_id` may see it; one 404 for malformed, unknown, deleted, private."""
    if not _VIDEO_ID.match(video_id):
        raise video_not_found()
    video = await svc.videos.get(video_id)
    if video is None or not video.visible_to(user_id):
        raise video_not_found()
    return video


async def list_mine(
    svc: Dependencies, user_id: str, limit: int, cursor: str | None
) -> tuple[list[Video], str | None]:
    """A page of the caller's videos, newest first (deleted ones left out: pages may be short)."""
    _check_cursor(cursor, "owner_id", user_id)
    async with _cursor_refused(cursor):
        page = await svc.videos.list_by_owner(user_id, limit, cursor)
    return [v for v in page.items if v.status is not VideoStatus.DELETED], page.next_cursor


async def list_public(
    svc: Dependencies, limit: int, cursor: str | None
) -> tuple[list[Video], str | None]:
    """A page of the ready public videos, newest first."""
    _check_cursor(cursor, "feed", PUBLIC_FEED)
    async with _cursor_refused(cursor):
        page = await svc.videos.list_public(limit, cursor)
    return page.items, page.next_cursor


@asynccontextmanager
async def _cursor_refused(cursor: str | None) -> AsyncIterator[None]:
    """DynamoDB refusing a start key we decoded means the cursor was not one of ours."""
    try:
        yield
    except ClientError as exc:
        if cursor and exc.response.get("Error", {}).get("Code") == "ValidationException":
            raise BadCursor("the cursor is not one this service gave out") from exc
        raise


def _check_cursor(cursor: str | None, key: str, value: str) -> None:
    start = decode_cursor(cursor, {"id", key, "created_key"})
    if start is not None and start[key].get("S") != value:
        raise BadCursor("the cursor belongs to another listing")


async def usage_of(videos: VideoRepository, owner_id: str) -> UsageOut:
    """How many videos the owner has (deleted ones aside) and their bytes (measured or declared)."""
    count = total = 0
    cursor: str | None = None
    while True:
        page = await videos.list_by_owner(owner_id, 100, cursor)
        for video in page.items:
            if video.status is not VideoStatus.DELETED:
                count += 1
                total += (
                    video.size_bytes
                    if video.size_bytes is not None
                    else (video.declared_size_bytes)
                )
        cursor = page.next_cursor
        if cursor is None:
            return UsageOut(videos=count, bytes=total)


def download_of(video: Video, rendition: str | None, user_id: str | None) -> Download:
    """Which object a download of `video` serves, and under which filename."""
    if rendition == SOURCE:
        if user_id != video.owner_id:
            raise Problem(
                403,
                "owner-only",
                "Owner only",
                "Only the owner can download the original upload; pick a rendition.",
            )
        if video.status not in _SOURCE_STATUSES:
            raise Problem(
                409,
                "not-uploaded",
                "Source not available",
                f"The original is not available while the video is {video.status}.",
            )
        return Download(video.source_key, video.filename)
    if video.status is not VideoStatus.READY:
        raise Problem(
            409,
            "not-ready",
            "Video not ready",
            f"The video is {video.status}; downloads open once it is ready.",
        )
    chosen = (
        _largest(video.renditions)
        if rendition is None
        else next((r for r in video.renditions if r.name == rendition), None)
    )
    if chosen is None:
        names = ", ".join(r.name for r in video.renditions) or "none"
        raise not_found(f"This video has no rendition {rendition!r} (it has: {names}, source).")
    stem = PurePosixPath(video.filename).stem or "video"
    return Download(chosen.key, f"{stem}-{chosen.name}.mp4")


def _largest(renditions: list[Rendition]) -> Rendition | None:
    return max(renditions, key=lambda r: (r.width * r.height, r.bitrate), default=None)


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError(size)
