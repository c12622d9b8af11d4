"""Video records as the ingress writes them, for the tiers that set records up by hand (the
workers' use-case tests against the fakes, their integration tests against the emulator)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from videoshare.domain import keys
from videoshare.domain.events import (
    RenditionData,
    VideoTranscoded,
    VideoTranscodedData,
    utc_now,
    video_transcoded,
    video_uploaded,
)
from videoshare.domain.video import Video, VideoStatus, Visibility

OWNER = "owner-7f3c"


def new_video(**overrides: Any) -> Video:
    """A record as `usecases/videos.create_video` writes it, then `overrides`."""
    video_id = uuid.uuid4().hex
    now = utc_now()
    fields: dict[str, Any] = {
        "id": video_id,
        "owner_id": OWNER,
        "title": "Sunset over the harbour",
        "visibility": Visibility.PUBLIC,
        "created_at": now,
        "updated_at": now,
        "filename": "sunset.mp4",
        "content_type": "video/mp4",
        "declared_size_bytes": 1000,
        "source_key": keys.source_key(video_id),
        "upload_expires_at": now + timedelta(hours=1),
        "correlation_id": f"req-{uuid.uuid4().hex[:12]}",
        "status": VideoStatus.AWAITING_UPLOAD,
    }
    fields.update(overrides)
    return Video.model_validate(fields)


def transcoded(video: Video) -> VideoTranscoded:
    """What the transcoder publishes about a 2 s 320x240 source of `video` (built as the
    transcoder builds it, so the same video always gives the same event id)."""
    data = VideoTranscodedData(
        video_id=video.id,
        owner_id=video.owner_id,
        duration_s=2.02,
        width=320,
        height=240,
        size_bytes=48_213,
        renditions=[
            RenditionData(
                name="240p",
                width=320,
                height=240,
                bitrate=311_000,
                key=keys.rendition_key(video.id, "240p"),
                size_bytes=78_544,
            )
        ],
        poster_key=keys.poster_key(video.id),
        hls_master_key=keys.hls_master_key(video.id),
    )
    cause = video_uploaded(video, cause_id=f"s3:{video.id}", producer="upload-finalizer")
    return video_transcoded(data, cause=cause, producer="transcoder")
