"""housekeeping: what nobody else cleans up.

- `video.deleted` → every object under the video's upload and media prefixes is deleted, and
  any multipart upload still open under them aborted (idempotent: a second run finds nothing).
- A periodic sweep (`sweep_interval_s`) over the sparse index of videos in a non-terminal
  status (never a table scan) does what `sweep_plan.plan` says: expires `awaiting_upload` videos
  whose upload URL has expired (`→ rejected`, code `upload_expired`, and `video.rejected`) and
  re-publishes the event that should move a stuck video on, the ingress's `video.created`
  included (its record written, the process gone before it published).

`failed` + `video.failed` when a message gives up is each worker's give-up hook
(`lifecycle.give_up`), not this worker's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import datetime

import structlog
from botocore.exceptions import ClientError

from videoshare.domain import keys
from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import (
    VideoCreated,
    VideoCreatedData,
    VideoDeleted,
    VideoRejected,
    VideoRejectedData,
    VideoUploaded,
    VideoUploadedData,
    follow_up,
    utc_now,
)
from videoshare.domain.sweep_plan import (
    UPLOAD_EXPIRED_CODE,
    UPLOAD_EXPIRED_REASON,
    SweepAction,
    oldest_worth_looking_at,
    plan,
)
from videoshare.domain.video import TERMINAL, Video, VideoStatus
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.entrypoints.workers.lifecycle import correlation_of

log = structlog.get_logger("housekeeping")

PRODUCER = "housekeeping"
DELETE_BATCH = 1000  # S3's limit per DeleteObjects
PENDING = tuple(s for s in VideoStatus if s not in TERMINAL)


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def on_deleted(event: VideoDeleted) -> None:
        removed = await delete_video_objects(ctx, event.data.video_id)
        log.info("video_objects_deleted", video_id=event.data.video_id, objects=removed)

    async def sweep_forever(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await sweep(ctx)
            except Exception:  # the next sweep tries again; this one is logged
                log.exception("sweep_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ctx.settings.sweep_interval_s)

    return WorkerDefinition(handlers={"video.deleted": on_deleted}, background=sweep_forever)


async def delete_video_objects(ctx: WorkerContext, video_id: str) -> int:
    """Delete everything stored for `video_id`; how many objects there were."""
    removed = 0
    for prefix in (f"{keys.UPLOAD_PREFIX}{video_id}/", keys.media_prefix(video_id)):
        await abort_multipart_uploads(ctx, prefix)
        removed += await _delete_prefix(ctx, prefix)
    return removed


async def abort_multipart_uploads(ctx: WorkerContext, prefix: str) -> int:
    s3, bucket = ctx.aws.s3, ctx.resources.bucket
    aborted = 0
    paginator = s3.get_paginator("list_multipart_uploads")
    async for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for upload in page.get("Uploads", []):
            try:
                await s3.abort_multipart_upload(
                    Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                    raise
                continue  # aborted (or completed) meanwhile: what we wanted
            aborted += 1
    return aborted


async def _delete_prefix(ctx: WorkerContext, prefix: str) -> int:
    s3, bucket = ctx.aws.s3, ctx.resources.bucket
    found: list[str] = []
    paginator = s3.get_paginator("list_objects_v2")
    async for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        found += [obj["Key"] for obj in page.get("Contents", [])]
    for start in range(0, len(found), DELETE_BATCH):
        batch = found[start : start + DELETE_BATCH]
        answer = await s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
        )
        if errors := answer.get("Errors"):
            raise RuntimeError(f"S3 refused to delete {len(errors)} objects: {errors[:3]}")
    return len(found)


async def sweep(ctx: WorkerContext, now: datetime | None = None) -> Counter[str]:
    """One pass over the videos in a non-terminal status; how many got each action."""
    now = now or utc_now()
    settings = ctx.settings
    done: Counter[str] = Counter()
    for status in PENDING:
        before = oldest_worth_looking_at(
            status, now, settings.stuck_after_s, settings.upload_url_ttl_s
        )
        async for video in ctx.deps.pending.before(status, before):
            action = plan(video, now, settings.stuck_after_s)
            if action is None:
                continue
            try:
                acted = await _apply(ctx, video, action)
            except VideoConflict:
                log.info("sweep_skipped_changed_video", video_id=video.id)
                continue
            if acted:
                done[action.value] += 1
                log.info("swept", video_id=video.id, action=action.value, status=video.status)
    return done


async def _apply(ctx: WorkerContext, video: Video, action: SweepAction) -> bool:
    """Do `action`; False when it turned out not to be needed."""
    if action is SweepAction.EXPIRE_UPLOAD:
        return await _expire_upload(ctx, video)
    if action is SweepAction.REPUBLISH_CREATED:
        await ctx.publisher.publish(_created(video))
    else:
        await ctx.publisher.publish(_uploaded(video))
    return True


async def _expire_upload(ctx: WorkerContext, video: Video) -> bool:
    if await _source_exists(ctx, video):
        # The upload did arrive; its notification is the upload-finalizer's to handle.
        log.info("expired_upload_arrived_after_all", video_id=video.id)
        return False
    await abort_multipart_uploads(ctx, video.source_key)
    rejected = await ctx.videos.save(
        video.rejected(UPLOAD_EXPIRED_CODE, UPLOAD_EXPIRED_REASON), expected=video
    )
    # The id of the upload-finalizer's verdict: should the upload come late after all, its
    # verdict on the rejected video is this very event, and is dropped as a duplicate.
    await ctx.publisher.publish(
        follow_up(
            VideoRejected,
            cause_id=video.id,
            once_per=f"upload:{video.id}",
            correlation_id=correlation_of(rejected, video.id),
            producer=PRODUCER,
            data=VideoRejectedData(
                video_id=video.id,
                owner_id=video.owner_id,
                code=UPLOAD_EXPIRED_CODE,
                reason=UPLOAD_EXPIRED_REASON,
            ),
        )
    )
    return True


async def _source_exists(ctx: WorkerContext, video: Video) -> bool:
    try:
        await ctx.aws.s3.head_object(Bucket=ctx.resources.bucket, Key=video.source_key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _created(video: Video) -> VideoCreated:
    """`video.created` as the ingress would have published it; one id per video, so every
    re-publication after the first is a duplicate."""
    return follow_up(
        VideoCreated,
        cause_id=video.id,
        once_per=f"created:{video.id}",
        correlation_id=correlation_of(video, video.id),
        producer=PRODUCER,
        data=VideoCreatedData(
            video_id=video.id,
            owner_id=video.owner_id,
            title=video.title,
            visibility=video.visibility,
            declared_size_bytes=video.declared_size_bytes,
            content_type=video.content_type,
        ),
    )


def _uploaded(video: Video) -> VideoUploaded:
    """The upload-finalizer's `video.uploaded`, with its id (keyed by the video)."""
    return follow_up(
        VideoUploaded,
        cause_id=video.id,
        once_per=f"upload:{video.id}",
        correlation_id=correlation_of(video, video.id),
        producer=PRODUCER,
        data=VideoUploadedData(
            video_id=video.id,
            owner_id=video.owner_id,
            source_key=video.source_key,
            size_bytes=video.size_bytes or video.declared_size_bytes,
            content_type=video.content_type,
        ),
    )
