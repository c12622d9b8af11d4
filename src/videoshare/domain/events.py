"""Domain events: frozen pydantic models in one envelope, parsed through one discriminated union.

Every event has the same envelope (`id`, `type`, `version`, `occurred_at`, `correlation_id`,
`causation_id`, `producer`) and a typed `data` payload. The catalog under `events/` is generated
from these models (`videoshare events export`) and drift-tested.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeGuard, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from videoshare.domain.video import Video, Visibility


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VideoRef(_Data):
    video_id: str = Field(min_length=1)
    owner_id: str = Field(min_length=1)


class VideoCreatedData(VideoRef):
    title: str
    visibility: Visibility
    declared_size_bytes: int = Field(ge=0)
    content_type: str


class VideoImportRequestedData(VideoRef):
    source_url: str = Field(description="the http(s) link the importer fetches the video from")


class VideoUpdatedData(VideoRef):
    changed: list[str] = Field(description="names of the fields that changed")


class VideoDeletedData(VideoRef):
    pass


class VideoUploadedData(VideoRef):
    source_key: str
    size_bytes: int = Field(ge=0)
    content_type: str


class VideoRejectedData(VideoRef):
    code: str = Field(description="stable machine-readable reason, e.g. `not_a_video`")
    reason: str = Field(description="a sentence a person can read")


class RenditionData(_Data):
    name: str
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    bitrate: int = Field(ge=0)
    key: str = Field(description="its HLS media playlist; the init segment and segments beside it")
    size_bytes: int = Field(ge=0, description="init segment and segments: the rendition as a file")


class VideoTranscodedData(VideoRef):
    duration_s: float = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    size_bytes: int = Field(ge=0, description="size of the uploaded source")
    renditions: list[RenditionData] = Field(min_length=1)
    poster_key: str
    hls_master_key: str | None = Field(default=None, description="HLS master playlist")
    storyboard_image_key: str | None = Field(default=None, description="sprite sheet JPEG")
    storyboard_vtt_key: str | None = Field(default=None, description="WebVTT thumbnails")


class VideoReadyData(VideoRef):
    title: str


class VideoFailedData(VideoRef):
    reason: str


class AccountDeletedData(_Data):
    user_id: str = Field(min_length=1, description="the account's `sub`; its videos' owner id")
    username: str = Field(min_length=1, description="its user pool username (to delete it)")
    email: str = Field(min_length=1, description="its address (its login counters go too)")


class _Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=new_id, description="unique per event; the idempotency key")
    version: Literal[1] = 1
    occurred_at: datetime = Field(default_factory=utc_now)
    correlation_id: str = Field(description="the request that started it all")
    causation_id: str | None = Field(default=None, description="the event that caused this one")
    producer: str = Field(description="the process that published it")


class VideoCreated(_Envelope):
    """A video record exists and awaits its upload."""

    type: Literal["video.created"] = "video.created"
    data: VideoCreatedData


class VideoImportRequested(_Envelope):
    """A video record exists whose source the importer fetches from a link."""

    type: Literal["video.import_requested"] = "video.import_requested"
    data: VideoImportRequestedData


class VideoUpdated(_Envelope):
    """The owner changed title, description, tags or visibility."""

    type: Literal["video.updated"] = "video.updated"
    data: VideoUpdatedData


class VideoDeleted(_Envelope):
    """The owner deleted the video; its objects are removed asynchronously."""

    type: Literal["video.deleted"] = "video.deleted"
    data: VideoDeletedData


class VideoUploaded(_Envelope):
    """The source arrived in S3 and passed the size and magic-byte checks."""

    type: Literal["video.uploaded"] = "video.uploaded"
    data: VideoUploadedData


class VideoRejected(_Envelope):
    """The upload is not a video we can accept; the reason says why."""

    type: Literal["video.rejected"] = "video.rejected"
    data: VideoRejectedData


class VideoTranscoded(_Envelope):
    """Renditions and poster are in S3."""

    type: Literal["video.transcoded"] = "video.transcoded"
    data: VideoTranscodedData


class VideoReady(_Envelope):
    """The video can be watched."""

    type: Literal["video.ready"] = "video.ready"
    data: VideoReadyData


class VideoFailed(_Envelope):
    """Processing gave up after its retries."""

    type: Literal["video.failed"] = "video.failed"
    data: VideoFailedData


class AccountDeleted(_Envelope):
    """The person deleted their account: every video of theirs, everything kept for them and
    then the user itself are removed (housekeeping); their tokens are refused already."""

    type: Literal["account.deleted"] = "account.deleted"
    data: AccountDeletedData


# The events about one video (each `data` names it): all but the account's.
VideoEvent = (
    VideoCreated
    | VideoImportRequested
    | VideoUpdated
    | VideoDeleted
    | VideoUploaded
    | VideoRejected
    | VideoTranscoded
    | VideoReady
    | VideoFailed
)
Event = Annotated[VideoEvent | AccountDeleted, Field(discriminator="type")]
EVENT_TYPES: tuple[type[_Envelope], ...] = (
    VideoCreated,
    VideoImportRequested,
    VideoUpdated,
    VideoDeleted,
    VideoUploaded,
    VideoRejected,
    VideoTranscoded,
    VideoReady,
    VideoFailed,
    AccountDeleted,
)
EVENT_TYPE_NAMES: tuple[str, ...] = tuple(t.model_fields["type"].default for t in EVENT_TYPES)

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def about_a_video(event: Event) -> TypeGuard[VideoEvent]:
    return not isinstance(event, AccountDeleted)


def parse_event(raw: str | bytes) -> Event:
    """Parse a JSON event; raises `pydantic.ValidationError` on anything else."""
    return _ADAPTER.validate_json(raw)


def event_json_schema(model: type[_Envelope]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


E = TypeVar("E", bound=_Envelope)

_FOLLOW_UP_NAMESPACE = uuid.UUID("6f1c1c1e-5a8e-4b7e-9d3a-2f4c9a7e0b11")


def follow_up_id(cause_id: str, event_type: str) -> str:
    """The id of the `event_type` event caused by `cause_id`: the same every time.

    A handler that crashed after its write but before its publish, and runs again, publishes
    an event with the same id, which consumers then de-duplicate: re-publishing is always safe.
    """
    return str(uuid.uuid5(_FOLLOW_UP_NAMESPACE, f"{cause_id}/{event_type}"))


def follow_up(
    model: type[E],
    *,
    cause_id: str,
    correlation_id: str,
    producer: str,
    data: Any,
    once_per: str | None = None,
) -> E:
    """An event of `model` caused by the message `cause_id`, with a deterministic id.

    The id is derived from `cause_id`, or from `once_per` when the event must exist once per
    that key whatever caused it (the verdict on a video's upload: S3 may report one upload
    several times, and each report must lead to the same event).
    """
    event_type = model.model_fields["type"].default
    return model.model_validate(
        {
            "id": follow_up_id(once_per or cause_id, event_type),
            "correlation_id": correlation_id,
            "causation_id": cause_id,
            "producer": producer,
            "data": data,
        }
    )


# --- the one factory of each event -----------------------------------------------------------
# Every event about a video is built here from the video's record, so its payload, its id rule
# and its correlation id are decided once. `producer` is the process that publishes it.


def _correlation(video: Video, fallback: str) -> str:
    """The request that created the video, carried by every event about it."""
    return video.correlation_id or fallback


def video_created(video: Video, *, producer: str, again: bool = False) -> VideoCreated:
    """`video.created` for a new record. `again`: published anew for a record whose first
    event may never have left (housekeeping): one id per video, so every repeat is dropped."""
    data = VideoCreatedData(
        video_id=video.id,
        owner_id=video.owner_id,
        title=video.title,
        visibility=video.visibility,
        declared_size_bytes=video.declared_size_bytes,
        content_type=video.content_type,
    )
    correlation_id = _correlation(video, video.id)
    if not again:
        return VideoCreated(correlation_id=correlation_id, producer=producer, data=data)
    return follow_up(
        VideoCreated,
        cause_id=video.id,
        once_per=f"created:{video.id}",
        correlation_id=correlation_id,
        producer=producer,
        data=data,
    )


def video_import_requested(video: Video, *, producer: str) -> VideoImportRequested:
    """`video.import_requested` for a new record with an `import_url`: one id per video, so a
    repeat (housekeeping publishing it again) is dropped downstream."""
    if video.import_url is None:
        raise ValueError(f"video {video.id} is not imported from a link")
    return follow_up(
        VideoImportRequested,
        cause_id=video.id,
        once_per=f"import:{video.id}",
        correlation_id=_correlation(video, video.id),
        producer=producer,
        data=VideoImportRequestedData(
            video_id=video.id, owner_id=video.owner_id, source_url=video.import_url
        ),
    )


def video_updated(
    video: Video, changed: list[str], *, correlation_id: str, producer: str
) -> VideoUpdated:
    """`video.updated`: the owner's request `correlation_id` changed the fields `changed`."""
    return VideoUpdated(
        correlation_id=correlation_id,
        producer=producer,
        data=VideoUpdatedData(video_id=video.id, owner_id=video.owner_id, changed=changed),
    )


def video_deleted(video: Video, *, correlation_id: str, producer: str) -> VideoDeleted:
    """`video.deleted`: the owner's request `correlation_id` deleted the video."""
    return VideoDeleted(
        correlation_id=correlation_id,
        producer=producer,
        data=VideoDeletedData(video_id=video.id, owner_id=video.owner_id),
    )


def video_uploaded(video: Video, *, cause_id: str, producer: str) -> VideoUploaded:
    """The verdict `video.uploaded`. A video is uploaded once, so whatever leads here (S3's
    duplicate notification, a redelivery after a crash, the sweep re-publishing it) the event
    has the same id, and every repeat is dropped downstream as a duplicate."""
    return follow_up(
        VideoUploaded,
        cause_id=cause_id,
        once_per=f"upload:{video.id}",
        correlation_id=_correlation(video, cause_id),
        producer=producer,
        data=VideoUploadedData(
            video_id=video.id,
            owner_id=video.owner_id,
            source_key=video.source_key,
            size_bytes=video.size_bytes or video.declared_size_bytes,
            content_type=video.content_type,
        ),
    )


def video_rejected(
    video: Video,
    code: str,
    reason: str,
    *,
    cause_id: str,
    producer: str,
    verdict_on_upload: bool = False,
    correlation_id: str | None = None,
) -> VideoRejected:
    """`video.rejected` with a stable `code` and a sentence. `verdict_on_upload`: the rejection
    is the verdict on the upload (the upload-finalizer's, or an expired upload's), with the id
    of that verdict, so a late upload's verdict is a duplicate of it; otherwise (the transcoder)
    the id follows from `cause_id`."""
    return follow_up(
        VideoRejected,
        cause_id=cause_id,
        once_per=f"upload:{video.id}" if verdict_on_upload else None,
        correlation_id=_correlation(video, correlation_id or cause_id),
        producer=producer,
        data=VideoRejectedData(
            video_id=video.id, owner_id=video.owner_id, code=code, reason=reason
        ),
    )


def video_transcoded(
    outputs: VideoTranscodedData, *, cause: VideoUploaded, producer: str
) -> VideoTranscoded:
    """`video.transcoded`: what the transcode of `cause` made."""
    return follow_up(
        VideoTranscoded,
        cause_id=cause.id,
        correlation_id=cause.correlation_id,
        producer=producer,
        data=outputs,
    )


def video_ready(video: Video, *, cause: VideoTranscoded, producer: str) -> VideoReady:
    """`video.ready`: `cause`'s outputs are recorded and the video can be watched."""
    return follow_up(
        VideoReady,
        cause_id=cause.id,
        correlation_id=cause.correlation_id,
        producer=producer,
        data=VideoReadyData(video_id=video.id, owner_id=video.owner_id, title=video.title),
    )


def video_failed(video: Video, reason: str, *, cause_id: str, producer: str) -> VideoFailed:
    """`video.failed`: processing gave up on the message `cause_id`."""
    return follow_up(
        VideoFailed,
        cause_id=cause_id,
        correlation_id=_correlation(video, cause_id),
        producer=producer,
        data=VideoFailedData(video_id=video.id, owner_id=video.owner_id, reason=reason),
    )


def account_deleted(
    user_id: str, username: str, email: str, *, correlation_id: str, producer: str
) -> AccountDeleted:
    """`account.deleted`: the person's request `correlation_id` deleted their account."""
    return AccountDeleted(
        correlation_id=correlation_id,
        producer=producer,
        data=AccountDeletedData(user_id=user_id, username=username, email=email),
    )
