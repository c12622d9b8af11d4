"""The HTTP contract as data: every route of the ingress, what it takes and what it answers.

    Operation("GET", "/v1/videos/{video_id}", "Get a video", auth=OPTIONAL,
              responses={200: VideoOut, 404: PROBLEM})

`openapi.py` turns `OPERATIONS` into the OpenAPI document; a test fails when a route is
registered on the app without an operation here, so the document cannot fall behind the code.
Models are the ones the handlers validate with and answer with (`schemas.py`); the
answers every route can give (500, and 503 when a dependency is down) are added for all.

A new API route needs an `Operation` here (`Text("text/plain")` for a non-JSON answer), then
`make openapi`. The web app's pages (`videoshare.web`) share the origin but are not the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from videoshare.entrypoints.http import schemas as s


class Auth(StrEnum):
    NONE = "none"
    OPTIONAL = "optional"  # anonymous works; a token, when sent, must be valid
    REQUIRED = "required"


# --- bodies that exist only in the contract -------------------------------------------------
class FieldError(BaseModel):
    pointer: str | None = Field(default=None, description="JSON pointer into the body, `#/…`")
    parameter: str | None = Field(default=None, description="the query or path parameter")
    detail: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details; `type` is a stable relative URI such as `/problems/not-found`."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    errors: list[FieldError] | None = None


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ok"]
    checks: dict[str, str]


class ProblemAnswer:
    """Marker: this status answers `application/problem+json` (the exception a handler raises
    for it is `problems.Problem`)."""


class Redirect:
    """Marker: this status answers with a `Location` header and no body."""


class NoContent:
    """Marker: this status answers with no body."""


class Json:
    """Marker: this status answers JSON that is not described by a model (the document)."""


@dataclass(frozen=True, slots=True)
class Text:
    """This status answers text of `media_type` (a playlist, subtitles, an event stream)."""

    media_type: str


class ResumedUploadOut(RootModel[s.ResumedMultipartOut | s.UploadOut]):
    """`GET /v1/videos/{id}/upload`: a fresh single PUT, or the multipart upload resumed."""


class PlaybackQuery(BaseModel):
    """The playback token of `hls_url` / `storyboard_url` / a rendition's `url`; without it,
    the GET rules apply."""

    token: str | None = None


class EventsQuery(BaseModel):
    """EventSource cannot send headers: on this route the token may come as a parameter, and so
    may the id to resume from (a new EventSource sends no `Last-Event-ID`)."""

    access_token: str | None = None
    last_event_id: str | None = None


Answer = (
    type[BaseModel] | type[ProblemAnswer] | type[Redirect] | type[NoContent] | type[Json] | Text
)
PROBLEM = ProblemAnswer
REDIRECT = Redirect
NO_CONTENT = NoContent
JSON = Json


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    summary: str
    responses: dict[int, Answer]
    auth: Auth = Auth.NONE
    body: type[BaseModel] | None = None
    # A file sent as the body, as it is (captions, an image): the media types it may be.
    file_body: tuple[str, ...] = ()
    query: type[BaseModel] | None = None
    tag: str = "videos"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def operation_id(self) -> str:
        words = self.summary.lower().replace("'", "").replace("-", " ").split()
        return words[0] + "".join(w.capitalize() for w in words[1:])


# Problems every body-taking route can answer: not JSON or malformed (400), too large (413),
# the wrong shape (422).
_BODY = {400: PROBLEM, 413: PROBLEM, 422: PROBLEM}
_QUERY = {400: PROBLEM, 422: PROBLEM}
_AUTH = {401: PROBLEM}
_TOO_MANY = {429: PROBLEM}

OPERATIONS: tuple[Operation, ...] = (
    # --- auth ---
    Operation(
        "POST", "/v1/auth/register", "Register an account", tag="auth", body=s.RegisterIn,
        responses={201: s.RegisteredOut, 409: PROBLEM, **_BODY, **_TOO_MANY},
    ),
    Operation(
        "POST", "/v1/auth/confirm", "Confirm an e-mail address", tag="auth", body=s.ConfirmIn,
        responses={204: NO_CONTENT, 409: PROBLEM, **_BODY, **_TOO_MANY},
    ),
    Operation(
        "POST", "/v1/auth/login", "Log in", tag="auth", body=s.LoginIn,
        responses={200: s.TokensOut, 401: PROBLEM, 403: PROBLEM, **_BODY, **_TOO_MANY},
    ),
    Operation(
        "POST", "/v1/auth/refresh", "Refresh the tokens", tag="auth", body=s.RefreshIn,
        responses={200: s.TokensOut, 401: PROBLEM, 403: PROBLEM, **_BODY, **_TOO_MANY},
    ),
    Operation(
        "POST", "/v1/auth/logout", "Log out", tag="auth", auth=Auth.REQUIRED,
        responses={204: NO_CONTENT, **_AUTH, **_TOO_MANY},
    ),
    Operation(
        "GET", "/v1/me", "Get the caller's account", tag="auth", auth=Auth.REQUIRED,
        responses={200: s.MeOut, **_AUTH, **_TOO_MANY},
    ),
    Operation(
        "POST", "/v1/auth/resend-code", "Send the confirmation code again", tag="auth",
        body=s.EmailIn, responses={202: NO_CONTENT, 409: PROBLEM, **_BODY, **_TOO_MANY},
    ),
    Operation(
        "POST", "/v1/auth/password/forgot", "Ask for a password reset code", tag="auth",
        body=s.EmailIn, responses={202: s.PasswordResetOut, **_BODY, **_TOO_MANY},
    ),
    Operation(
        "POST", "/v1/auth/password/reset", "Set a new password with the code", tag="auth",
        body=s.ResetPasswordIn, responses={204: NO_CONTENT, **_BODY, **_TOO_MANY},
    ),
    Operation(
        "POST", "/v1/me/password", "Change the password", tag="auth", auth=Auth.REQUIRED,
        body=s.ChangePasswordIn,
        responses={204: NO_CONTENT, 403: PROBLEM, **_AUTH, **_BODY, **_TOO_MANY},
    ),
    Operation(
        "DELETE", "/v1/me", "Delete the caller's account", tag="auth", auth=Auth.REQUIRED,
        body=s.DeleteAccountIn,
        responses={202: NO_CONTENT, 403: PROBLEM, **_AUTH, **_BODY, **_TOO_MANY},
    ),
    # --- videos ---
    Operation(
        "POST", "/v1/videos", "Create a video", auth=Auth.REQUIRED, body=s.CreateVideoIn,
        responses={201: s.CreatedVideoOut, 415: PROBLEM, 429: PROBLEM, **_AUTH, **_BODY},
        extra={"links": {"GetCreatedVideo": {
            "operationId": "getAVideo",
            "parameters": {"video_id": "$response.body#/video/id"},
        }}, "descriptions": {
            429: "The caller's videos created today (UTC) are at the day's limit "
            "(`/problems/too-many-requests`), or the minutes of video processed today are spent "
            "(`/problems/processing-budget-spent`); `Retry-After` is the time until midnight UTC.",
        }},
    ),
    Operation(
        "GET", "/v1/videos", "List videos", auth=Auth.OPTIONAL, query=s.ListVideosQuery,
        responses={200: s.VideoPageOut, **_AUTH, **_QUERY},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}", "Get a video", auth=Auth.OPTIONAL,
        responses={200: s.VideoOut, 404: PROBLEM, **_AUTH},
    ),
    Operation(
        "POST", "/v1/videos/{video_id}/views", "Count a view", auth=Auth.OPTIONAL,
        responses={202: NO_CONTENT, 404: PROBLEM, 409: PROBLEM, **_AUTH},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/download", "Download a video", auth=Auth.OPTIONAL,
        query=s.DownloadQuery,
        responses={302: REDIRECT, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, **_AUTH, **_QUERY},
    ),
    Operation(
        "PATCH", "/v1/videos/{video_id}", "Edit a video", auth=Auth.REQUIRED,
        body=s.UpdateVideoIn,
        responses={200: s.VideoOut, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, **_AUTH, **_BODY},
    ),
    Operation(
        "DELETE", "/v1/videos/{video_id}", "Delete a video", auth=Auth.REQUIRED,
        responses={202: NO_CONTENT, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, **_AUTH},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/events", "Follow a video's status", auth=Auth.OPTIONAL,
        query=EventsQuery,
        responses={200: Text("text/event-stream"), 204: NO_CONTENT, 400: PROBLEM, 404: PROBLEM,
                   **_AUTH, **_TOO_MANY},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/upload", "Resume an upload", auth=Auth.REQUIRED,
        responses={200: ResumedUploadOut, 403: PROBLEM, 404: PROBLEM,
                   409: PROBLEM, 422: PROBLEM, **_AUTH},
    ),
    Operation(
        "POST", "/v1/videos/{video_id}/upload/complete", "Complete a multipart upload",
        auth=Auth.REQUIRED, body=s.CompleteUploadIn,
        responses={202: NO_CONTENT, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, **_AUTH, **_BODY},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/hls/{name}.m3u8", "Get an HLS playlist",
        auth=Auth.OPTIONAL, query=PlaybackQuery,
        responses={200: Text("application/vnd.apple.mpegurl"), 403: PROBLEM, 404: PROBLEM,
                   409: PROBLEM, 502: PROBLEM, **_AUTH},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/renditions/{name}.mp4", "Get a rendition as a file",
        auth=Auth.OPTIONAL, query=PlaybackQuery,
        responses={200: Text("video/mp4"), 206: Text("video/mp4"), 403: PROBLEM, 404: PROBLEM,
                   409: PROBLEM, 416: PROBLEM, 502: PROBLEM, **_AUTH},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/storyboard.vtt", "Get the storyboard",
        auth=Auth.OPTIONAL, query=PlaybackQuery,
        responses={200: Text("text/vtt"), 403: PROBLEM, 404: PROBLEM, 409: PROBLEM,
                   502: PROBLEM, **_AUTH},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/hls/subtitles/{language}.m3u8",
        "Get a subtitle playlist", auth=Auth.OPTIONAL, query=PlaybackQuery,
        responses={200: Text("application/vnd.apple.mpegurl"), 403: PROBLEM, 404: PROBLEM,
                   409: PROBLEM, **_AUTH},
    ),
    # --- captions and posters ---
    Operation(
        "PUT", "/v1/videos/{video_id}/captions/{language}", "Add captions",
        auth=Auth.REQUIRED, query=s.CaptionQuery,
        file_body=("text/vtt", "application/x-subrip", "text/plain"),
        responses={200: s.CaptionOut, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 413: PROBLEM,
                   422: PROBLEM, **_AUTH},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/captions", "List captions", auth=Auth.OPTIONAL,
        responses={200: s.CaptionListOut, 404: PROBLEM, **_AUTH},
    ),
    Operation(
        "DELETE", "/v1/videos/{video_id}/captions/{language}", "Delete captions",
        auth=Auth.REQUIRED,
        responses={204: NO_CONTENT, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, **_AUTH},
    ),
    Operation(
        "GET", "/v1/videos/{video_id}/captions/{language}.vtt", "Get captions",
        auth=Auth.OPTIONAL, query=PlaybackQuery,
        responses={200: Text("text/vtt"), 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, **_AUTH},
    ),
    Operation(
        "PUT", "/v1/videos/{video_id}/poster", "Upload a poster", auth=Auth.REQUIRED,
        file_body=("image/jpeg", "image/png", "image/webp"),
        responses={200: s.VideoOut, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 413: PROBLEM,
                   415: PROBLEM, 422: PROBLEM, **_AUTH},
    ),
    Operation(
        "POST", "/v1/videos/{video_id}/poster/moment", "Choose the poster from the storyboard",
        auth=Auth.REQUIRED, body=s.PosterAtIn,
        responses={200: s.VideoOut, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, **_AUTH, **_BODY},
    ),
    # --- notifications ---
    Operation(
        "GET", "/v1/notifications", "List notifications", tag="notifications",
        auth=Auth.REQUIRED, query=s.PageQuery,
        responses={200: s.NotificationPageOut, **_AUTH, **_QUERY},
    ),
    Operation(
        "PUT", "/v1/webhook", "Set the webhook", tag="notifications", auth=Auth.REQUIRED,
        body=s.WebhookIn, responses={200: s.WebhookSecretOut, **_AUTH, **_BODY},
    ),
    Operation(
        "GET", "/v1/webhook", "Get the webhook", tag="notifications", auth=Auth.REQUIRED,
        responses={200: s.WebhookOut, 404: PROBLEM, **_AUTH},
    ),
    Operation(
        "POST", "/v1/webhook/secret", "Rotate the webhook's signing secret",
        tag="notifications", auth=Auth.REQUIRED,
        responses={200: s.WebhookSecretOut, 404: PROBLEM, **_AUTH},
    ),
    Operation(
        "DELETE", "/v1/webhook", "Delete the webhook", tag="notifications", auth=Auth.REQUIRED,
        responses={204: NO_CONTENT, 404: PROBLEM, **_AUTH},
    ),
    # --- operations ---
    Operation("GET", "/healthz", "Check liveness", tag="operations", responses={200: HealthOut}),
    Operation("GET", "/readyz", "Check readiness", tag="operations", responses={200: ReadyOut}),
    Operation(
        "GET", "/metrics", "Get Prometheus metrics", tag="operations",
        responses={200: Text("text/plain")},
    ),
    Operation(
        "GET", "/v1/openapi.json", "Get the OpenAPI document", tag="operations",
        responses={200: JSON},
    ),
)  # fmt: skip
