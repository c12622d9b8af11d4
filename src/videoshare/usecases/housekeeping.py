"""Housekeeping: what nobody else cleans up.

- A deleted video loses every object under its upload and media prefixes, and any multipart
  upload still open under them is aborted, and its storage reservation and processing turn are
  released (each
  idempotent: a second run finds nothing).
- A rejected video's upload (its source, any multipart upload still open) is deleted on
  `video.rejected`, whoever rejected it: of the workers that reject, only housekeeping and the
  upload-finalizer may delete under `uploads/` (their task roles, `infra/processes.py`); the
  transcoder may not.
- A sweep over the videos in a non-terminal status (the sparse index, never a table scan) does
  what `domain/sweep_plan.plan` says of each: expire an `awaiting_upload` video whose upload URL
  has expired (`→ rejected`, code `upload_expired`, its storage released, and the upload's
  `video.rejected` verdict),
  or re-publish the event a stuck video waits for (`video.created`, `video.uploaded`), with
  the ids those events always have, so a consumer that saw them drops the copy. An `uploaded`
  video whose owner's processing slots are all taken is not stuck but waiting its turn (its
  message comes back by itself): it is left alone, so a long wait does not multiply copies.

`failed` + `video.failed` when a message gives up is each worker's give-up hook
(`usecases/lifecycle.give_up`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Protocol

import structlog

from videoshare.domain import keys
from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import utc_now, video_created, video_rejected, video_uploaded
from videoshare.domain.sweep_plan import (
    UPLOAD_EXPIRED_CODE,
    UPLOAD_EXPIRED_REASON,
    SweepAction,
    oldest_worth_looking_at,
    plan,
)
from videoshare.domain.video import TERMINAL, Video, VideoStatus
from videoshare.usecases.limits import release_storage
from videoshare.usecases.ports import (
    ObjectStore,
    PendingVideoIndex,
    VideoJobPorts,
)
from videoshare.usecases.processing_turns import (
    DEFAULT_TURNS,
    ProcessingTurns,
    end_turn,
    owner_is_busy,
)

log = structlog.get_logger("housekeeping")

PENDING = tuple(s for s in VideoStatus if s not in TERMINAL)


class HousekeepingPorts(VideoJobPorts, Protocol):
    @property
    def pending(self) -> PendingVideoIndex: ...


async def forget_deleted_video(ports: HousekeepingPorts, owner_id: str, video_id: str) -> int:
    """Everything a deleted video held: its objects (how many there were) and its storage."""
    removed = await delete_video_objects(ports.objects, video_id)
    await release_storage(ports, owner_id, video_id)
    await end_turn(ports, owner_id, video_id)
    return removed


async def forget_rejected_upload(ports: HousekeepingPorts, video_id: str) -> int:
    """A rejected video's upload, deleted (how many objects there were); nothing unless its
    record says `rejected` (an event is a report, the record decides). Its storage was
    released by whoever rejected it."""
    video = await ports.videos.get(video_id)
    if video is None or video.status is not VideoStatus.REJECTED:
        return 0
    return await _delete_under(ports.objects, f"{keys.UPLOAD_PREFIX}{video_id}/")


async def delete_video_objects(objects: ObjectStore, video_id: str) -> int:
    """Delete everything stored for `video_id`; how many objects there were."""
    removed = 0
    for prefix in (f"{keys.UPLOAD_PREFIX}{video_id}/", keys.media_prefix(video_id)):
        removed += await _delete_under(objects, prefix)
    return removed


async def _delete_under(objects: ObjectStore, prefix: str) -> int:
    """Abort the multipart uploads open under `prefix`, delete its objects; how many. On a
    versioned bucket each delete leaves a delete marker: the versions stay restorable until the
    bucket's lifecycle expires them (docs/DEPLOY.md), and a listing no longer shows them."""
    await objects.abort_uploads(prefix)
    found = await objects.list_keys(prefix)
    await objects.delete(found)
    return len(found)


async def sweep_pending(
    ports: HousekeepingPorts,
    *,
    stuck_after_s: int,
    upload_ttl_s: int,
    producer: str,
    now: datetime | None = None,
    turns: ProcessingTurns = DEFAULT_TURNS,
) -> Counter[str]:
    """One pass over the videos in a non-terminal status; how many got each action."""
    now = now or utc_now()
    done: Counter[str] = Counter()
    for status in PENDING:
        before = oldest_worth_looking_at(status, now, stuck_after_s, upload_ttl_s)
        async for video in ports.pending.before(status, before):
            action = plan(video, now, stuck_after_s)
            if action is None:
                continue
            try:
                acted = await _apply(ports, video, action, producer, turns)
            except VideoConflict:
                log.info("sweep_skipped_changed_video", video_id=video.id)
                continue
            if acted:
                done[action.value] += 1
                log.info("swept", video_id=video.id, action=action.value, status=video.status)
    return done


async def _apply(
    ports: HousekeepingPorts,
    video: Video,
    action: SweepAction,
    producer: str,
    turns: ProcessingTurns,
) -> bool:
    """Do `action`; False when it turned out not to be needed."""
    match action:
        case SweepAction.EXPIRE_UPLOAD:
            return await _expire_upload(ports, video, producer)
        case SweepAction.REPUBLISH_CREATED:
            await ports.publisher.publish(video_created(video, producer=producer, again=True))
        case SweepAction.REPUBLISH_UPLOADED if (
            video.status is VideoStatus.UPLOADED
            and await owner_is_busy(ports, video.owner_id, turns)
        ):
            return False  # waiting its turn: its deferred message comes back by itself
        case SweepAction.REPUBLISH_UPLOADED:
            # the upload-finalizer's verdict, with its id (keyed by the video)
            await ports.publisher.publish(
                video_uploaded(video, cause_id=video.id, producer=producer)
            )
    return True


async def _expire_upload(ports: HousekeepingPorts, video: Video, producer: str) -> bool:
    if await ports.objects.exists(video.source_key):
        # The upload did arrive; its notification is the upload-finalizer's to handle.
        log.info("expired_upload_arrived_after_all", video_id=video.id)
        return False
    await ports.objects.abort_uploads(video.source_key)
    rejected = await ports.videos.save(
        video.rejected(UPLOAD_EXPIRED_CODE, UPLOAD_EXPIRED_REASON), expected=video
    )
    await release_storage(ports, video.owner_id, video.id)
    # The id of the upload-finalizer's verdict: should the upload come late after all, its
    # verdict on the rejected video is this very event, and is dropped as a duplicate.
    await ports.publisher.publish(
        video_rejected(
            rejected,
            UPLOAD_EXPIRED_CODE,
            UPLOAD_EXPIRED_REASON,
            cause_id=video.id,
            producer=producer,
            verdict_on_upload=True,
        )
    )
    return True
