"""What arrives on the workers' queues: raw SQS bodies become typed models here, at the edge,
or are rejected (`bus` `Reject`) with a reason.

Two kinds of body arrive: domain events (raw SNS delivery: the body *is* the event JSON) and
S3 event notifications (the upload-finalizer's queue). Both decoders are a worker's `decode`;
the bus itself knows neither.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from videoshare.bus.outcomes import Reject
from videoshare.domain.events import Event, parse_event


class S3Object(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    key: str
    size: int = Field(default=0, ge=0)
    e_tag: str = Field(default="", alias="eTag")
    sequencer: str = ""


class S3Bucket(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str


class S3Entity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    bucket: S3Bucket
    object: S3Object


class S3Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_name: str = Field(alias="eventName")
    event_time: str = Field(default="", alias="eventTime")
    s3: S3Entity


class S3ObjectCreated(BaseModel):
    """One S3 `ObjectCreated` record, its key already URL-decoded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str
    key: str
    size: int
    etag: str
    sequencer: str


class S3ObjectsCreated(BaseModel):
    """The ObjectCreated records of one S3 notification (in practice there is one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["s3.object_created"] = "s3.object_created"
    records: tuple[S3ObjectCreated, ...]

    @property
    def id(self) -> str:
        """Stable across S3's duplicate deliveries of the same writes (the idempotency key)."""
        return "s3:" + ";".join(f"{r.bucket}/{r.key}@{r.etag}" for r in self.records)

    @property
    def correlation_id(self) -> str:
        return self.id


class S3Notification(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    records: list[S3Record] = Field(alias="Records")


class S3TestEvent(BaseModel):
    """Sent by S3 when a notification configuration is written; carries nothing to do."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event: Literal["s3:TestEvent"] = Field(alias="Event")


def decode_event(body: str) -> Event | None:
    """A domain event, or `Reject` with a reason a person can read."""
    try:
        return parse_event(body)
    except ValidationError as exc:
        raise Reject(f"not a valid domain event: {_first_error(exc)}", code="malformed") from exc


def decode_s3(body: str) -> S3ObjectsCreated | None:
    """The ObjectCreated records of an S3 notification; None when there is nothing to do
    (S3's test event, or no ObjectCreated record)."""
    try:
        S3TestEvent.model_validate_json(body)
    except ValidationError:
        pass
    else:
        return None
    try:
        notification = S3Notification.model_validate_json(body)
    except ValidationError as exc:
        raise Reject(f"not a valid S3 notification: {_first_error(exc)}", code="malformed") from exc
    records = tuple(
        S3ObjectCreated(
            bucket=r.s3.bucket.name,
            key=unquote_plus(r.s3.object.key),
            size=r.s3.object.size,
            etag=r.s3.object.e_tag.strip('"'),
            sequencer=r.s3.object.sequencer,
        )
        for r in notification.records
        if r.event_name.startswith("ObjectCreated:")
    )
    return S3ObjectsCreated(records=records) if records else None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "body"
    return f"{where}: {err.get('msg', 'invalid')}"
