"""metadata-indexer: `video.transcoded` → record the technical metadata, renditions and poster,
move the video `processing → ready` and publish `video.ready`."""

from __future__ import annotations

import structlog

from videoshare.domain.events import VideoReady, VideoReadyData, VideoTranscoded, follow_up
from videoshare.domain.video import Rendition, VideoStatus
from videoshare.workers.context import WorkerContext, WorkerDefinition
from videoshare.workers.lifecycle import give_up, move

log = structlog.get_logger("metadata-indexer")


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def on_transcoded(event: VideoTranscoded) -> None:
        await _index(ctx, event)

    async def on_give_up(event: VideoTranscoded, exc: BaseException) -> None:
        await give_up(ctx, event.data.video_id, event.id, "The video could not be published.")

    return WorkerDefinition(handlers={"video.transcoded": on_transcoded}, on_give_up=on_give_up)


async def _index(ctx: WorkerContext, event: VideoTranscoded) -> None:
    data = event.data
    video = await ctx.videos.get(data.video_id)
    if video is None:
        log.info("video_gone", video_id=data.video_id)
        return
    if video.status is VideoStatus.PROCESSING:
        video = await move(
            ctx,
            video,
            VideoStatus.READY,
            duration_s=data.duration_s,
            width=data.width,
            height=data.height,
            size_bytes=data.size_bytes,
            renditions=[Rendition(**r.model_dump()) for r in data.renditions],
            poster_key=data.poster_key,
            hls_master_key=data.hls_master_key,
            storyboard_image_key=data.storyboard_image_key,
            storyboard_vtt_key=data.storyboard_vtt_key,
            progress=None,
        )
    elif video.status is not VideoStatus.READY:
        log.info("not_indexing", video_id=video.id, status=video.status.value)
        return
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
