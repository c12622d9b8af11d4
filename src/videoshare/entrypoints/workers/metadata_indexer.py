"""metadata-indexer: `video.transcoded` → record the technical metadata, renditions and poster,
move the video `processing → ready` and publish `video.ready`; and keep the search index in
step with the record on every change (`video.created/updated/deleted`, and becoming ready).

Indexing reads the record rather than trusting the event: whatever order events arrive in, the
entries end up as the newest record says (only ready public videos are found). A record that
changed while its entries were written is indexed again at once."""

from __future__ import annotations

import structlog

from videoshare.adapters.search import SearchIndex
from videoshare.domain.events import (
    VideoCreated,
    VideoDeleted,
    VideoReady,
    VideoReadyData,
    VideoTranscoded,
    VideoUpdated,
    follow_up,
)
from videoshare.domain.video import MediaOutputs, Rendition, Video, VideoStatus
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.entrypoints.workers.lifecycle import give_up, move

log = structlog.get_logger("metadata-indexer")


# Re-reads when the record keeps changing under the index writes; then the next event's turn.
_REINDEX_ROUNDS = 3


def definition(ctx: WorkerContext) -> WorkerDefinition:
    search = ctx.deps.search

    async def on_transcoded(event: VideoTranscoded) -> None:
        # indexed from the record as _index left it: no second read before the search writes
        await reindex(ctx, search, event.data.video_id, await _index(ctx, event))

    async def on_change(event: VideoCreated | VideoUpdated | VideoDeleted) -> None:
        video_id = event.data.video_id
        await reindex(ctx, search, video_id, await ctx.videos.get(video_id))

    async def on_give_up(event: object, exc: BaseException) -> None:
        if isinstance(event, VideoTranscoded):
            await give_up(ctx, event.data.video_id, event.id, "The video could not be published.")

    return WorkerDefinition(
        handlers={
            "video.transcoded": on_transcoded,
            "video.created": on_change,
            "video.updated": on_change,
            "video.deleted": on_change,
        },
        on_give_up=on_give_up,
    )


async def reindex(
    ctx: WorkerContext, search: SearchIndex, video_id: str, video: Video | None
) -> None:
    """Make the search entries of `video_id` match its record, starting from `video`, the record
    as just read or written (None: there is none)."""
    for _ in range(_REINDEX_ROUNDS):
        await search.reindex(video_id, video)
        now = await ctx.videos.get(video_id)
        if (now and now.version) == (video and video.version):
            return
        video = now
    log.info("reindex_outpaced", video_id=video_id)


async def _index(ctx: WorkerContext, event: VideoTranscoded) -> Video | None:
    """Record the outputs and move the video to ready; returns the record as it now stands."""
    data = event.data
    video = await ctx.videos.get(data.video_id)
    if video is None:
        log.info("video_gone", video_id=data.video_id)
        return None
    if video.status is VideoStatus.PROCESSING:
        outputs = MediaOutputs(
            duration_s=data.duration_s,
            width=data.width,
            height=data.height,
            size_bytes=data.size_bytes,
            renditions=[Rendition(**r.model_dump()) for r in data.renditions],
            poster_key=data.poster_key,
            hls_master_key=data.hls_master_key,
            storyboard_image_key=data.storyboard_image_key,
            storyboard_vtt_key=data.storyboard_vtt_key,
        )
        video = await move(ctx, video.ready(outputs), expected=video)
    elif video.status is not VideoStatus.READY:
        log.info("not_indexing", video_id=video.id, status=video.status.value)
        return video
    # Also when already ready: a crash between the write and this publish is repaired here,
    # and the follow-up id makes a second publish a duplicate that consumers drop.
    await ctx.publisher.publish(
        follow_up(
            VideoReady,
            cause_id=event.id,
            correlation_id=event.correlation_id,
            producer=ctx.name,
            data=VideoReadyData(video_id=video.id, owner_id=video.owner_id, title=video.title),
        )
    )
    return video
