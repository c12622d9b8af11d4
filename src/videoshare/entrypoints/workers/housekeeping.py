"""housekeeping: `video.deleted` → every object of the video deleted, its storage released;
`video.rejected` → the rejected upload deleted; `account.deleted` → every video of the account
and everything kept for it removed, then the user (`usecases/account_removal.py`); beside its
consumer, a sweep every `sweep_interval_s` that expires abandoned uploads and re-publishes
what stuck videos wait for (`usecases/housekeeping.py`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter

import structlog

from videoshare.domain.events import AccountDeleted, VideoDeleted, VideoRejected
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.usecases.account_removal import remove_account
from videoshare.usecases.housekeeping import (
    forget_deleted_video,
    forget_rejected_upload,
    sweep_pending,
)
from videoshare.usecases.processing_turns import ProcessingTurns

log = structlog.get_logger("housekeeping")


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def on_deleted(event: VideoDeleted) -> None:
        removed = await forget_deleted_video(ctx.deps, event.data.owner_id, event.data.video_id)
        log.info("video_objects_deleted", video_id=event.data.video_id, objects=removed)

    async def on_rejected(event: VideoRejected) -> None:
        removed = await forget_rejected_upload(ctx.deps, event.data.video_id)
        log.info("rejected_upload_deleted", video_id=event.data.video_id, objects=removed)

    async def on_account_deleted(event: AccountDeleted) -> None:
        removed = await remove_account(ctx.deps, event, time.time())
        log.info(
            "account_removed",
            user_id=event.data.user_id,
            videos=removed.videos,
            objects=removed.objects,
            notifications=removed.notifications,
        )

    async def sweep_forever(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await sweep(ctx)
            except Exception:  # the next sweep tries again; this one is logged
                log.exception("sweep_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ctx.deps.settings.sweep_interval_s)

    return WorkerDefinition(
        handlers={
            "video.deleted": on_deleted,
            "video.rejected": on_rejected,
            "account.deleted": on_account_deleted,
        },
        background=sweep_forever,
    )


async def sweep(ctx: WorkerContext) -> Counter[str]:
    """One sweep with the thresholds of the settings; how many videos got each action."""
    return await sweep_pending(
        ctx.deps,
        stuck_after_s=ctx.deps.settings.stuck_after_s,
        upload_ttl_s=ctx.deps.settings.upload_url_ttl_s,
        producer=ctx.name,
        turns=ProcessingTurns.from_settings(ctx.deps.settings),
    )
