"""metadata-indexer: `video.transcoded` → the video `ready` with its metadata and `video.ready`;
every change of a record (`video.created/updated/deleted`, and becoming ready) → its search
entries as the record now says (`usecases/index_video.py`). When a `video.transcoded` fails
its last attempt, the video is `failed`."""

from __future__ import annotations

from videoshare.bus.runtime import Inbound
from videoshare.domain.events import VideoCreated, VideoDeleted, VideoTranscoded, VideoUpdated
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.usecases.index_video import GAVE_UP_REASON, index_change, index_transcoded
from videoshare.usecases.lifecycle import give_up


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def on_transcoded(event: VideoTranscoded) -> None:
        await index_transcoded(ctx.deps, event, producer=ctx.name)

    async def on_change(event: VideoCreated | VideoUpdated | VideoDeleted) -> None:
        await index_change(ctx.deps, event.data.video_id)

    async def on_give_up(event: Inbound, exc: BaseException) -> None:
        if isinstance(event, VideoTranscoded):
            await give_up(
                ctx.deps,
                event.data.video_id,
                cause_id=event.id,
                reason=GAVE_UP_REASON,
                producer=ctx.name,
            )

    return WorkerDefinition(
        handlers={
            "video.transcoded": on_transcoded,
            "video.created": on_change,
            "video.updated": on_change,
            "video.deleted": on_change,
        },
        on_give_up=on_give_up,
    )
