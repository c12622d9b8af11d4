"""The video: its record, its statuses and the state machine between them. Pure code, no I/O.

    awaiting_upload → uploaded → processing → ready
    before ready: → rejected (bad input) | → failed (processing gave up)
    any status → deleted

Storage makes every transition a conditional write on (status, version); this module decides
which transitions exist at all, and which fields go with each: every edge is a method of
`Video` that returns the changed record (`video.rejected(code, reason)`), so no call site
decides what a transition writes, and `progress` is cleared in one place (`_moved`).

    changed = video.rejected("not_a_video", "The file is not a video …")
    saved = await videos.save(changed, expected=video)   # the conditional write
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

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


# The `status_code` of a video whose processing gave up.
PROCESSING_FAILED_CODE = "processing_failed"

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
    key: str = Field(
        description="S3 key of its HLS media playlist (CMAF: init segment and segments beside it)"
    )
    size_bytes: int = Field(default=0, ge=0)


class Caption(BaseModel):
    """One language's captions: a WebVTT file under the video's media folder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str = Field(description="BCP 47 tag, canonical form (`en`, `pt-BR`)")
    label: str = Field(description="what a player shows in its menu")
    key: str = Field(description="S3 key of the WebVTT file")


class Video(BaseModel):
    """The stored record of one video (more than the API shows: keys, version, upload facts)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    owner_id: str
    # The owner's display name when the video was created; None when they had none, and on
    # records made before it was kept.
    owner_display_name: str | None = None
    title: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    visibility: Visibility = Visibility.PRIVATE
    status: VideoStatus = VideoStatus.AWAITING_UPLOAD
    status_reason: str | None = None
    status_code: str | None = None
    # How far the work in hand is, in percent, 0 to 100 (one scale everywhere: API, stream,
    # clients): the transcode's while processing; an import's fetch while its link is read.
    progress: float | None = Field(default=None, ge=0, le=100)
    created_at: datetime
    updated_at: datetime
    version: int = 1
    # Folded into every playback token (`domain/playback_tokens.py`): bumped when the video goes
    # private or is deleted, so that every token issued before stops working at once.
    playback_version: int = 0
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
    # Set when the video is imported from a link (`usecases/imports.py`): the importer fetches
    # it into `source_key`; `declared_size_bytes` is the import cap until the fetch says more.
    import_url: str | None = None

    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    renditions: list[Rendition] = Field(default_factory=list)
    poster_key: str | None = None
    hls_master_key: str | None = None
    storyboard_image_key: str | None = None
    storyboard_vtt_key: str | None = None
    # Added by the owner once the video is ready, one per language, in the order added.
    captions: list[Caption] = Field(default_factory=list)
    # Views counted so far (`adapters/views.py` adds them in batches; a save never writes it).
    views: int = Field(default=0, ge=0)

    @property
    def playable(self) -> bool:
        """Whether its HLS stream can be played: once ready, and while processing once the
        first segments of every rendition are stored (`playable_while_processing`)."""
        return self.hls_master_key is not None and self.status in (
            VideoStatus.PROCESSING,
            VideoStatus.READY,
        )

    def visible_to(self, user_id: str | None) -> bool:
        """Whether `user_id` (None: anonymous) may see this video at all."""
        if self.status is VideoStatus.DELETED:
            return False
        if user_id == self.owner_id:
            return True
        return self.visibility is not Visibility.PRIVATE and self.status is VideoStatus.READY

    # --- the edges of the state machine: each returns the changed record ------------------------

    def uploaded(self) -> Video:
        """`awaiting_upload → uploaded`: the upload is accepted at its declared size."""
        return self._moved(VideoStatus.UPLOADED, size_bytes=self.declared_size_bytes)

    def processing(self) -> Video:
        """`uploaded → processing`: a transcode starts, at 0 %."""
        return self._moved(VideoStatus.PROCESSING, progress=0.0)

    def ready(self, media: MediaOutputs) -> Video:
        """`processing → ready`: the outputs of the transcode are recorded."""
        return self._moved(VideoStatus.READY, **media.model_dump())

    def rejected(self, code: str, reason: str) -> Video:
        """`→ rejected`: the input is not one we accept (`code` stable, `reason` a sentence)."""
        return self._moved(VideoStatus.REJECTED, status_code=code, status_reason=reason)

    def failed(self, reason: str) -> Video:
        """`→ failed`: processing gave up."""
        return self._moved(
            VideoStatus.FAILED, status_code=PROCESSING_FAILED_CODE, status_reason=reason
        )

    def deleted(self) -> Video:
        """`→ deleted`: the owner deleted it; its objects go later, its playback tokens now."""
        return self._moved(VideoStatus.DELETED, playback_version=self.playback_version + 1)

    # --- changes within a status -------------------------------------------------------------

    def edited(self, edit: VideoEdit) -> Video:
        """The owner's edit applied (any status but deleted)."""
        if self.status is VideoStatus.DELETED:
            raise InvalidTransition(self.status, self.status)
        fields = edit.model_dump(exclude_none=True)
        if edit.visibility is Visibility.PRIVATE and self.visibility is not Visibility.PRIVATE:
            fields["playback_version"] = self.playback_version + 1  # revokes issued tokens
        return self._changed(**fields)

    def with_progress(self, percent: float) -> Video:
        """The transcode's progress, 0 to 100 (only while processing)."""
        if self.status is not VideoStatus.PROCESSING:
            raise InvalidTransition(self.status, VideoStatus.PROCESSING)
        return self._changed(progress=round(percent, 1))

    def playable_while_processing(self, hls_master_key: str | None) -> Video:
        """The HLS stream is stored far enough to start playing (only while processing): its
        playlists are EVENT playlists that grow until the transcode ends. None: it no longer
        is (the attempt failed and took its outputs back)."""
        if self.status is not VideoStatus.PROCESSING:
            raise InvalidTransition(self.status, VideoStatus.PROCESSING)
        return self._changed(hls_master_key=hls_master_key)

    def import_progressed(self, percent: float) -> Video:
        """How much of an imported source is fetched, 0 to 100 (only while its import runs:
        awaiting the upload, with a link). The upload-finalizer's `uploaded` clears it."""
        self._check_importing()
        return self._changed(progress=round(percent, 1))

    def import_fetched(self, size_bytes: int, *, progress: float | None = None) -> Video:
        """An imported source's real size, known once it is fetched (while the upload is
        awaited): the upload-finalizer then checks the object against it, as for an upload.
        `progress`: 100 when the link announced its size (the fetch's last percentage)."""
        self._check_importing()
        return self._changed(declared_size_bytes=size_bytes, progress=progress)

    def upload_extended(self, expires_at: datetime) -> Video:
        """A resumed upload's new expiry (only while the upload is awaited)."""
        if self.status is not VideoStatus.AWAITING_UPLOAD:
            raise InvalidTransition(self.status, VideoStatus.AWAITING_UPLOAD)
        return self._changed(upload_expires_at=expires_at)

    def with_caption(self, caption: Caption) -> Video:
        """The captions with `caption` added, replacing the same language's (ready only: a
        transcode that runs again owns the media folder until then)."""
        self._check_ready()
        kept = [c for c in self.captions if c.language != caption.language]
        return self._changed(captions=[*kept, caption])

    def without_caption(self, language: str) -> Video:
        """The captions without `language`'s."""
        self._check_ready()
        return self._changed(captions=[c for c in self.captions if c.language != language])

    def caption(self, language: str) -> Caption | None:
        return next((c for c in self.captions if c.language == language), None)

    def with_poster(self, key: str) -> Video:
        """A poster chosen by the owner (ready only), at `key` under the video's folder."""
        self._check_ready()
        return self._changed(poster_key=key)

    def _check_importing(self) -> None:
        if self.status is not VideoStatus.AWAITING_UPLOAD or self.import_url is None:
            raise InvalidTransition(self.status, VideoStatus.AWAITING_UPLOAD)

    def _check_ready(self) -> None:
        if self.status is not VideoStatus.READY:
            raise InvalidTransition(self.status, VideoStatus.READY)

    def edit_changes(self, edit: VideoEdit) -> list[str]:
        """The names of the fields `edit` would change (empty: nothing to write)."""
        wanted = edit.model_dump(exclude_none=True)
        return sorted(name for name, value in wanted.items() if getattr(self, name) != value)

    def _moved(self, target: VideoStatus, **fields: Any) -> Video:
        """This video in `target` with `fields`; progress means something only while
        processing, so every other status clears it here."""
        check_transition(self.status, target)
        fields.setdefault("progress", None)
        return self._changed(status=target, **fields)

    def _changed(self, **fields: Any) -> Video:
        """A copy with `fields`, validated as a whole (version and `updated_at` are storage's)."""
        return Video.model_validate({**self.model_dump(), **fields})


class VideoEdit(BaseModel):
    """What an owner may change of a video; None: leave as it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    visibility: Visibility | None = None


class MediaOutputs(BaseModel):
    """What a finished transcode recorded on the video."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    duration_s: float
    width: int
    height: int
    size_bytes: int
    renditions: list[Rendition]
    poster_key: str | None
    hls_master_key: str | None = None
    storyboard_image_key: str | None = None
    storyboard_vtt_key: str | None = None
