"""Indexing: `video.transcoded` → record the technical metadata, renditions and poster, move the
video `processing → ready` and publish `video.ready`; and keep the search index in step with
the record on every change (`video.created/updated/deleted`, and becoming ready).

    no record                   → nothing recorded; its entries removed
    processing                  → ready with the outputs, `video.ready`
    ready already               → `video.ready` said again (a crash between the write and the
                                  publish is repaired; the follow-up id makes it a duplicate)
    anything else               → nothing recorded (rejected, failed, deleted meanwhile)

Indexing reads the record rather than trusting the event: whatever order events arrive in, the
entries end up as the newest record says (only ready public videos are found). A record that
changed while its entries were written is indexed again at once.
"""

from __future__ import annotations

from typing import Protocol

import structlog

from videoshare.domain.events import VideoTranscoded, VideoTranscodedData, video_ready
from videoshare.domain.video import MediaOutputs, Rendition, Video, VideoStatus
from videoshare.usecases.lifecycle import move
from videoshare.usecases.ports import EventPublisher, TermIndex, VideoStore

log = structlog.get_logger("metadata-indexer")

GAVE_UP_REASON = "The video could not be published."
# Re-reads when the record keeps changing under the index writes; then the next event's turn.
REINDEX_ROUNDS = 3


class IndexerPorts(Protocol):
    @property
    def videos(self) -> VideoStore: ...

    @property
    def search(self) -> TermIndex: ...

    @property
    def publisher(self) -> EventPublisher: ...


async def index_transcoded(ports: IndexerPorts, event: VideoTranscoded, *, producer: str) -> None:
    """Record what `event` made, move the video to ready, say so, and index it."""
    # indexed from the record as `_record_outputs` left it: no second read before the writes
    video = await _record_outputs(ports, event, producer)
    await reindex(ports, event.data.video_id, video)


async def index_change(ports: IndexerPorts, video_id: str) -> None:
    """The record of `video_id` changed (created, edited, deleted): index it as it is now."""
    await reindex(ports, video_id, await ports.videos.get(video_id))


async def reindex(ports: IndexerPorts, video_id: str, video: Video | None) -> None:
    """Make the search entries of `video_id` match its record, starting from `video`, the record
    as just read or written (None: there is none)."""
    for _ in range(REINDEX_ROUNDS):
        await ports.search.reindex(video_id, video)
        now = await ports.videos.get(video_id)
        if (now and now.version) == (video and video.version):
            return
        video = now
    log.info("reindex_outpaced", video_id=video_id)


def media_outputs(data: VideoTranscodedData) -> MediaOutputs:
    """What the record keeps of a transcode."""
    return MediaOutputs(
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


async def _record_outputs(
    ports: IndexerPorts, event: VideoTranscoded, producer: str
) -> Video | None:
    """Record the outputs and move the video to ready; returns the record as it now stands."""
    video = await ports.videos.get(event.data.video_id)
    if video is None:
        log.info("video_gone", video_id=event.data.video_id)
        return None
    if video.status is VideoStatus.PROCESSING:
        video = await move(ports.videos, video.ready(media_outputs(event.data)), expected=video)
    elif video.status is not VideoStatus.READY:
        log.info("not_indexing", video_id=video.id, status=video.status.value)
        return video
    # Also when already ready: a crash between the write and this publish is repaired here,
    # and the follow-up id makes a second publish a duplicate that consumers drop.
    await ports.publisher.publish(video_ready(video, cause=event, producer=producer))
    return video
