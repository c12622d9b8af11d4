"""Request and response bodies of the public API (API.md), as pydantic models.

Requests are strict (no type coercion, no unknown fields) and normalise what they accept:
e-mail addresses lowercased, titles and tags trimmed, tags lowercased and de-duplicated.
Responses are exactly the documented shapes: internal fields never leave.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from videoshare.domain.video import VideoEdit, VideoStatus, Visibility

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_TAGS = 20
MAX_TAG = 40
DEFAULT_PAGE = 20
MAX_PAGE = 100

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _email(value: str) -> str:
    value = value.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("is not an e-mail address")
    return value


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _one_line(value: str) -> str:
    if "\n" in value or "\t" in value:
        raise ValueError("must be one line")
    return _printable(value)


Email = Annotated[str, AfterValidator(_email)]
Line = Annotated[str, AfterValidator(_one_line)]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE),
    AfterValidator(_one_line),
]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_DESCRIPTION),
    AfterValidator(_printable),
]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=MAX_TAG),
    AfterValidator(_one_line),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- auth ------------------------------------------------------------------------------------
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Code = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class RegisterIn(_In):
    email: Email
    password: Password
    display_name: (
        Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None


class ConfirmIn(_In):
    email: Email
    code: Code


class LoginIn(_In):
    email: Email
    password: Password


class EmailIn(_In):
    """`POST /v1/auth/resend-code`, `POST /v1/auth/password/forgot`."""

    email: Email


class ResetPasswordIn(_In):
    email: Email
    code: Code = Field(description="the code `POST /v1/auth/password/forgot` sent")
    password: Password = Field(description="the new password")


class ChangePasswordIn(_In):
    current_password: Password
    password: Password = Field(description="the new password")


class DeleteAccountIn(_In):
    password: Password = Field(description="the account's password, as confirmation")


class PasswordResetOut(_Out):
    sent: bool = Field(
        description="always true: an unknown address is answered alike (nothing is sent)"
    )
    code: str | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="local mode only (nobody reads e-mail there): the code itself",
    )


class RefreshIn(_In):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


class RegisteredOut(_Out):
    user_id: str
    email: str
    confirmed: bool


class TokensOut(_Out):
    access_token: str
    id_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - a token type, not a secret


class UsageOut(_Out):
    videos: int
    bytes: int


class MeOut(_Out):
    user_id: str
    email: str | None
    display_name: str | None
    usage: UsageOut


# --- videos ----------------------------------------------------------------------------------
class CreateVideoIn(_In):
    title: Title
    description: Description = ""
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    visibility: Visibility
    # An upload: all three. An import: `source_url` instead (none of the three).
    filename: (
        Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
        | None
    ) = Field(default=None, description="the file to upload: its name (not with `source_url`)")
    content_type: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=255),
        ]
        | None
    ) = Field(default=None, description="the file to upload: its media type")
    size_bytes: int | None = Field(
        default=None, gt=0, description="the file to upload: its exact size, in bytes"
    )
    source_url: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
        | None
    ) = Field(
        default=None,
        description="import instead of uploading: an http(s) link to the video file, fetched "
        "by the importer (the answer has no `upload`; follow the video's status)",
    )

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, tags: list[str]) -> list[str]:
        return list(dict.fromkeys(tags))

    @model_validator(mode="after")
    def _upload_or_import(self) -> CreateVideoIn:
        upload = (self.filename, self.content_type, self.size_bytes)
        if self.source_url is not None:
            if any(v is not None for v in upload):
                raise ValueError(
                    "give `source_url` alone, or `filename`, `content_type` and "
                    "`size_bytes` without it"
                )
        elif any(v is None for v in upload):
            raise ValueError(
                "`filename`, `content_type` and `size_bytes` are required "
                "(or `source_url` to import from a link)"
            )
        return self


class UpdateVideoIn(_In):
    """`PATCH /v1/videos/{id}`: any of these; a field left out stays as it is."""

    title: Title | None = None
    description: Description | None = None
    tags: list[Tag] | None = Field(default=None, max_length=MAX_TAGS)
    visibility: Visibility | None = None

    @field_validator("title", "description", "tags", "visibility", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep it as it is")
        return value

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else list(dict.fromkeys(tags))

    def edit(self) -> VideoEdit:
        """The fields the client sent, as the domain's edit."""
        return VideoEdit(**{name: getattr(self, name) for name in self.model_fields_set})


class RenditionOut(_Out):
    name: str
    width: int
    height: int
    bitrate: int
    url: str = Field(description="The rendition as one MP4 file (a fragmented MP4; byte ranges).")


def _absent(value: object) -> bool:
    return value is None


# A key of a Video answer that is left out (not null) when there is nothing to say.
_OPTIONAL = Field(default=None, exclude_if=_absent)


class CaptionOut(_Out):
    language: str = Field(description="BCP 47 tag, canonical form (`en`, `pt-BR`)")
    label: str = Field(description="what a player shows in its captions menu")
    url: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="The WebVTT file for a `<track>` (with a playback token), once the video "
        "is ready; the HLS master lists the same captions as `TYPE=SUBTITLES` renditions.",
    )


class VideoOut(_Out):
    id: str
    owner_id: str
    owner_display_name: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="The uploader's display name when the video was created (absent: unknown).",
    )
    title: str
    description: str
    tags: list[str]
    visibility: Visibility
    status: VideoStatus
    status_reason: str | None = _OPTIONAL
    progress: float | None = Field(
        default=None,
        exclude_if=_absent,
        ge=0,
        le=100,
        description=(
            "How far the work in hand is, in percent (0 to 100): the transcode while "
            "processing; the fetch of an imported video's link while awaiting_upload (when "
            "the link announced its size)."
        ),
    )
    playable: bool = Field(
        default=False,
        description=(
            "Whether `hls_url` can be played: once ready, and while processing as soon as the "
            "first segments of every rendition are stored (its playlists then grow as the "
            "transcode goes on, and end when it is done)."
        ),
    )
    created_at: datetime
    updated_at: datetime
    duration_s: float | None = _OPTIONAL
    width: int | None = _OPTIONAL
    height: int | None = _OPTIONAL
    size_bytes: int | None = _OPTIONAL
    renditions: list[RenditionOut] = Field(default_factory=list)
    poster_url: str | None = _OPTIONAL
    hls_url: str | None = _OPTIONAL
    storyboard_url: str | None = _OPTIONAL
    captions: list[CaptionOut] = Field(default_factory=list)
    views: int = Field(
        default=0,
        description="views counted so far (once per viewer and hour; added within seconds)",
    )


class UploadOut(_Out):
    method: Literal["PUT"] = "PUT"
    url: str
    headers: dict[str, str]
    expires_at: datetime


class PartUrlOut(_Out):
    part_number: int
    url: str
    size: int  # the exact number of bytes to PUT there: the URL signs it


class MultipartUploadOut(_Out):
    method: Literal["MULTIPART"] = "MULTIPART"
    upload_id: str
    part_size: int
    parts: list[PartUrlOut]
    expires_at: datetime


class UploadedPartOut(_Out):
    part_number: int
    etag: str
    size: int


class ResumedMultipartOut(MultipartUploadOut):
    """`GET /v1/videos/{id}/upload`: fresh part URLs and what S3 holds already."""

    uploaded_parts: list[UploadedPartOut]


class CreatedVideoOut(_Out):
    video: VideoOut
    # None for an import (`source_url`): the importer fetches it
    upload: UploadOut | MultipartUploadOut | None


class PartIn(_In):
    part_number: int = Field(ge=1, le=10_000)
    etag: Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class CompleteUploadIn(_In):
    parts: list[PartIn] = Field(min_length=1, max_length=10_000)


class VideoPageOut(_Out):
    items: list[VideoOut]
    next_cursor: str | None


class ListVideosQuery(BaseModel):
    """`GET /v1/videos` query (strings from the URL, so not strict)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    scope: Literal["mine", "public"] = "public"
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    q: Annotated[str, StringConstraints(max_length=MAX_TITLE)] | None = None
    tag: Annotated[str, StringConstraints(max_length=MAX_TAG)] | None = None
    sort: Literal["newest", "views"] = Field(
        default="newest",
        description="`views`: the most viewed first (the public feed without a search only)",
    )


class DownloadQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    rendition: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


# --- captions and posters ---------------------------------------------------------------------
def _no_quotes(value: str) -> str:
    # it is written into the HLS master as a quoted string (`NAME="…"`)
    if '"' in value:
        raise ValueError("must not contain a double quote")
    return value


CaptionLabel = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_one_line),
    AfterValidator(_no_quotes),
]


class CaptionQuery(BaseModel):
    """`PUT …/captions/{language}`: the file is the body (WebVTT or SRT, UTF-8)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    label: CaptionLabel | None = Field(
        default=None, description="what players show in their menu (default: the language tag)"
    )


class CaptionListOut(_Out):
    items: list[CaptionOut]


class PosterAtIn(_In):
    time_s: float = Field(ge=0, description="the moment of the video, in seconds")


# --- notifications ---------------------------------------------------------------------------
class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None


class NotificationOut(_Out):
    id: str
    type: str
    video_id: str
    created_at: datetime
    message: str


class NotificationPageOut(_Out):
    items: list[NotificationOut]
    next_cursor: str | None


# --- webhooks --------------------------------------------------------------------------------
MAX_URL = 2048


class WebhookIn(_In):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL)]


class WebhookOut(_Out):
    """The webhook as read: never its secret."""

    url: str
    updated_at: datetime = Field(description="When the URL or the signing secret last changed.")


class WebhookSecretOut(_Out):
    """The answer of the calls that make a signing secret: the only time it is shown.
    Deliveries to `url` are signed by the Standard Webhooks specification (`webhook-id`,
    `webhook-timestamp`, `webhook-signature`): verify them with any Standard Webhooks library
    and `secret`, and de-duplicate on `webhook-id`."""

    url: str
    secret: str = Field(
        description="The signing secret: `whsec_` and the base64 of the key (Standard Webhooks). "
        "Shown once: store it now."
    )
    updated_at: datetime
