"""The video: its record, its statuses and the state machine between them. Pure code, no I/O.

    awaiting_upload → uploaded → processing → ready
    before ready: → rejected (bad input) | → failed (processing gave up)
    any status → deleted

Storage makes every transition a conditional write on (status, version); this module decides
which transitions exist at all.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class VideoStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    READY = "ready"
    REJECTED = "rejected"
    FAILED = "failed"
    DELETED = "deleted"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


TERMINAL = frozenset(
    {VideoStatus.READY, VideoStatus.REJECTED, VideoStatus.FAILED, VideoStatus.DELETED}
)

_S = VideoStatus
ALLOWED: dict[VideoStatus, frozenset[VideoStatus]] = {
    _S.AWAITING_UPLOAD: frozenset({_S.UPLOADED, _S.REJECTED, _S.FAILED, _S.DELETED}),
    _S.UPLOADED: frozenset({_S.PROCESSING, _S.REJECTED, _S.FAILED, _S.DELETED}),
    _S.PROCESSING: frozenset({_S.READY, _S.REJECTED, _S.FAILED, _S.DELETED}),
    _S.READY: frozenset({_S.DELETED}),
    _S.REJECTED: frozenset({_S.DELETED}),
    _S.FAILED: frozenset({_S.DELETED}),
    _S.DELETED: frozenset(),
}


class InvalidTransition(Exception):
    def __init__(self, current: VideoStatus, target: VideoStatus) -> None:
        super().__init__(f"a video cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def can_transition(current: VideoStatus, target: VideoStatus) -> bool:
    return target in ALLOWED[current]


def check_transition(current: VideoStatus, target: VideoStatus) -> None:
    """Raise `InvalidTransition` unless `current → target` is an edge of the state machine."""
    if not can_transition(current, target):
        raise InvalidTransition(current, target)


class Rendition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    bitrate: int = Field(ge=0, description="bits per second, video and audio together")
    key: str = Field(description="S3 key of the MP4")
    size_bytes: int = Field(default=0, ge=0)


class Video(BaseModel):
    """The stored record of one video (more than the API shows: keys, version, upload facts)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    owner_id: str
    title: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    visibility: Visibility = Visibility.PRIVATE
    status: VideoStatus = VideoStatus.AWAITING_UPLOAD
    status_reason: str | None = None
    status_code: str | None = None
    progress: float | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    # The request that created the video: the correlation id of every event about it.
    correlation_id: str | None = None

    filename: str
    content_type: str
    declared_size_bytes: int
    source_key: str
    upload_expires_at: datetime
    # Set when the upload is multipart: the S3 upload id and the size of every part but the last.
    multipart_upload_id: str | None = None
    part_size_bytes: int | None = None

    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    renditions: list[Rendition] = Field(default_factory=list)
    poster_key: str | None = None
    hls_master_key: str | None = None
    storyboard_image_key: str | None = None
    storyboard_vtt_key: str | None = None

    def visible_to(self, user_id: str | None) -> bool:
        """Whether `user_id` (None: anonymous) may see this video at all."""
        if self.status is VideoStatus.DELETED:
            return False
        if user_id == self.owner_id:
            return True
        return self.visibility is not Visibility.PRIVATE and self.status is VideoStatus.READY
