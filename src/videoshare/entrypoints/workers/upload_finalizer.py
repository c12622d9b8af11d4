"""upload-finalizer: an object arrived under `uploads/` → check it against its video record.

The object's size must equal the declared size and its first bytes must be a video container
we accept; then `awaiting_upload → uploaded` (publishes `video.uploaded`), otherwise
`→ rejected` with a reason a person can read (publishes `video.rejected`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from botocore.exceptions import ClientError

from videoshare.bus.outcomes import Reject, RetryLater
from videoshare.domain import keys
from videoshare.domain.events import (
    VideoRejected,
    VideoRejectedData,
    VideoUploaded,
    VideoUploadedData,
    follow_up,
)
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.entrypoints.workers.lifecycle import (
    correlation_of,
    give_up,
    move,
    rejected_after_upload,
)
from videoshare.entrypoints.workers.messages import S3ObjectCreated, S3ObjectsCreated, decode_s3
from videoshare.media.sniff import SNIFF_BYTES, sniff_container

if TYPE_CHECKING:
    from types_aiobotocore_s3.type_defs import GetObjectOutputTypeDef

log = structlog.get_logger("upload-finalizer")


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    code: str = ""
    reason: str = ""


def size_verdict(declared: int, actual: int) -> Verdict | None:
    """A rejection when the object is not the size the client declared."""
    if actual == declared:
        return None
    return Verdict(
        False,
        "size_mismatch",
        f"The upload was {actual:,} bytes but {declared:,} bytes were declared; "
        "upload the file again.",
    )


NOT_A_VIDEO = Verdict(
    False,
    "not_a_video",
    "The file is not a video we can read; upload an MP4, MOV, MKV or WebM file.",
)


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def on_uploads(uploads: S3ObjectsCreated) -> None:
        for record in uploads.records:
            await _finalize(ctx, record, uploads.id)

    async def on_give_up(uploads: S3ObjectsCreated, exc: BaseException) -> None:
        for record in uploads.records:
            video_id = keys.video_id_from_source_key(record.key)
            if video_id:
                await give_up(ctx, video_id, uploads.id, "The upload could not be checked.")

    return WorkerDefinition(
        handlers={"s3.object_created": on_uploads}, decode=decode_s3, on_give_up=on_give_up
    )


async def _finalize(ctx: WorkerContext, record: S3ObjectCreated, cause_id: str) -> None:
    video_id = keys.video_id_from_source_key(record.key)
    if video_id is None or record.bucket != ctx.resources.bucket:
        raise Reject(f"{record.bucket}/{record.key} is not an upload of ours", code="unknown_key")
    # The record and the object are read at once: both lie on the way to `video.uploaded`.
    # What the object's read found (or raised) counts only if the video still awaits it.
    video, inspection = await asyncio.gather(
        ctx.videos.get(video_id), _inspect(ctx, record.key), return_exceptions=True
    )
    if isinstance(video, BaseException):
        raise video
    if video is None:
        raise Reject(f"no video record for upload {record.key}", code="unknown_video")
    # S3 knows nothing of the request that created the video; the record does. This message's
    # log line carries that correlation id, as every event published from here does.
    structlog.contextvars.bind_contextvars(
        video_id=video.id, correlation_id=correlation_of(video, cause_id)
    )
    if video.status is VideoStatus.AWAITING_UPLOAD:
        if video.source_key == record.key:
            verdict = _verdict_on(video, inspection)
        else:  # not the upload the record expects (never, with keys.source_key): read that
            verdict = _verdict_on(video, await _inspect(ctx, video.source_key))
        changed = (
            video.uploaded() if verdict.accepted else video.rejected(verdict.code, verdict.reason)
        )
        video = await move(ctx, changed, expected=video)
    elif not _decided_here(video):
        log.info("already_past_upload", video_id=video.id, status=video.status.value)
        return
    # Published again when a previous attempt wrote but crashed before publishing (or S3 tells
    # of the upload again): the event id is the video's, so consumers see a duplicate.
    await _publish_outcome(ctx, video, cause_id)


def _decided_here(video: Video) -> bool:
    """Whether the video's status is still this worker's verdict on its upload: `uploaded`, or
    `rejected` by this worker (the transcoder announces its own rejections)."""
    if video.status is VideoStatus.UPLOADED:
        return True
    return video.status is VideoStatus.REJECTED and not rejected_after_upload(video)


@dataclass(frozen=True, slots=True)
class _Inspection:
    """What one ranged GET of an upload found: its size and first bytes."""

    size: int
    first_bytes: bytes


async def _inspect(ctx: WorkerContext, key: str) -> _Inspection:
    """The size and first bytes of the upload at `key`, from one ranged GET (no HEAD first:
    each request is a hop on the way to `ready`). Raises `RetryLater` when it is not there."""
    try:
        obj = await ctx.aws.s3.get_object(
            Bucket=ctx.resources.bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES - 1}"
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchKey", "NotFound"):
            raise RetryLater(f"{key} is not readable yet") from exc
        if code != "InvalidRange":
            raise
        # a range from byte 0 is unsatisfiable only for an empty object
        return _Inspection(0, b"")
    async with obj["Body"] as body:
        first_bytes = await body.read()
    return _Inspection(object_size(obj), first_bytes)


def _verdict_on(video: Video, inspection: _Inspection | BaseException) -> Verdict:
    if isinstance(inspection, BaseException):
        raise inspection
    rejection = size_verdict(video.declared_size_bytes, inspection.size)
    if rejection:
        return rejection
    return Verdict(True) if sniff_container(inspection.first_bytes) else NOT_A_VIDEO


def object_size(ranged_get: GetObjectOutputTypeDef) -> int:
    """The whole object's size from a ranged GET: `Content-Range: bytes 0-1023/5000`, or, when
    the range covered the whole object and S3 answered it in full, the length returned."""
    content_range = ranged_get.get("ContentRange")
    if content_range:
        return int(content_range.rsplit("/", 1)[1])
    return ranged_get["ContentLength"]


async def _publish_outcome(ctx: WorkerContext, video: Video, cause_id: str) -> None:
    await ctx.publisher.publish(_outcome(ctx, video, cause_id))


def _outcome(ctx: WorkerContext, video: Video, cause_id: str) -> VideoUploaded | VideoRejected:
    """The verdict on the video's upload. A video is uploaded once, so whichever notification
    leads here (S3's duplicate, a redelivery after a crash, the client PUTting the file again)
    the event has the same id, and every repeat is dropped downstream as a duplicate."""
    envelope = {
        "cause_id": cause_id,
        "correlation_id": correlation_of(video, cause_id),
        "producer": ctx.name,
        "once_per": f"upload:{video.id}",
    }
    if video.status is VideoStatus.UPLOADED:
        return follow_up(
            VideoUploaded,
            **envelope,
            data=VideoUploadedData(
                video_id=video.id,
                owner_id=video.owner_id,
                source_key=video.source_key,
                size_bytes=video.size_bytes or video.declared_size_bytes,
                content_type=video.content_type,
            ),
        )
    return follow_up(
        VideoRejected,
        **envelope,
        data=VideoRejectedData(
            video_id=video.id,
            owner_id=video.owner_id,
            code=video.status_code or "rejected",
            reason=video.status_reason or "The upload was rejected.",
        ),
    )
