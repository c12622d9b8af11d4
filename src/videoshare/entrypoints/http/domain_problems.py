"""Every domain error as the problem a client gets: the HTTP layer's one table of them.

    problem = problem_of(error)     # a Problem, or None for an error the API never answers

A row gives the status, the stable `type` slug and the title. The detail is the error's own
sentence (`error.detail`; a row may frame it, as `BadCursor`'s does). The field errors come
from the error: a `RefusedInput` names its `field` (`#/size_bytes`) and why (`reasons`).
Headers come from the row (`WWW-Authenticate`) or from the error (`Retry-After`, from its
`retry_after_s`). A class without a row of its own answers as its nearest base with one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from videoshare.domain.errors import (
    AlreadyConfirmed,
    BadCaptions,
    BadConfirmationCode,
    BadCredentials,
    BadCursor,
    BadImage,
    BadPlaybackToken,
    DamagedMedia,
    DomainError,
    EditConflict,
    EmailTaken,
    ExpiredToken,
    FileTooLarge,
    IdentityError,
    IdentityThrottled,
    ImportUrlNotAllowed,
    InvalidParts,
    InvalidRegistration,
    InvalidToken,
    NotAnImage,
    NotAVideo,
    NotConfirmed,
    NotFound,
    NotMultipart,
    NotReady,
    OwnerOnly,
    PartMismatch,
    PartsOutOfOrder,
    PartsRefused,
    PartTooLarge,
    PartTooSmall,
    ProcessingBudgetSpent,
    RefusedInput,
    RevokedToken,
    SessionEnded,
    SourceNotAvailable,
    StorageQuotaExceeded,
    TooManyRequests,
    UnknownLanguage,
    UnsupportedChallenge,
    UploadFinished,
    UploadTooLarge,
    WeakPassword,
    WebhookUrlNotAllowed,
    WrongPassword,
)
from videoshare.entrypoints.problem_json import Problem, challenge


@dataclass(frozen=True, slots=True)
class Row:
    status: int
    slug: str
    title: str
    headers: dict[str, str] = field(default_factory=dict)
    # How the detail reads; `{detail}` is the error's sentence.
    detail: str = "{detail}"
    # The query parameter at fault, named in `errors` with the error's sentence.
    parameter: str | None = None


_INVALID_TOKEN = challenge("invalid_token")

PROBLEMS: dict[type[DomainError], Row] = {
    # --- videos, uploads, playback ---
    NotFound: Row(404, "not-found", "Not found"),
    RefusedInput: Row(422, "validation", "The request is not valid"),
    OwnerOnly: Row(403, "owner-only", "Owner only"),
    NotAVideo: Row(415, "not-a-video", "Not a video"),
    UploadTooLarge: Row(413, "upload-too-large", "Upload too large"),
    StorageQuotaExceeded: Row(413, "storage-quota-exceeded", "Storage quota exceeded"),
    TooManyRequests: Row(429, "too-many-requests", "Too many requests"),
    ProcessingBudgetSpent: Row(429, "processing-budget-spent", "Daily processing budget spent"),
    EditConflict: Row(409, "edit-conflict", "Video busy"),
    UploadFinished: Row(409, "upload-finished", "Upload finished"),
    NotMultipart: Row(409, "not-multipart", "Not a multipart upload"),
    InvalidParts: Row(422, "validation", "The request is not valid"),
    PartsRefused: Row(422, "upload-refused", "Upload refused"),
    PartMismatch: Row(422, "invalid-part", "A part does not match"),
    PartsOutOfOrder: Row(422, "invalid-part", "Parts out of order"),
    PartTooSmall: Row(422, "part-too-small", "A part is too small"),
    PartTooLarge: Row(422, "part-too-large", "A part is too large"),
    SourceNotAvailable: Row(409, "not-uploaded", "Source not available"),
    NotReady: Row(409, "not-ready", "Video not ready"),
    BadPlaybackToken: Row(403, "bad-playback-token", "Playback link not valid"),
    DamagedMedia: Row(502, "damaged-media", "Stored media damaged"),
    WebhookUrlNotAllowed: Row(422, "webhook-url-not-allowed", "Webhook URL not allowed"),
    # --- captions and posters ---
    FileTooLarge: Row(413, "file-too-large", "File too large"),
    BadCaptions: Row(422, "bad-captions", "Captions not usable"),
    UnknownLanguage: Row(422, "unknown-language", "Unknown language"),
    NotAnImage: Row(415, "not-an-image", "Not an image"),
    BadImage: Row(422, "bad-image", "Image not usable"),
    ImportUrlNotAllowed: Row(422, "import-url-not-allowed", "Import link not allowed"),
    BadCursor: Row(
        400,
        "bad-cursor",
        "Bad cursor",
        detail="{detail}; start again without `cursor`.",
        parameter="cursor",
    ),
    # --- identity (any other refusal of the user pool: it did not answer us) ---
    IdentityError: Row(503, "unavailable", "Service unavailable", headers={"Retry-After": "1"}),
    BadCredentials: Row(401, "bad-credentials", "Bad credentials"),
    # 403, not 401: the caller is who they say; a 401 would make clients refresh and retry
    WrongPassword: Row(403, "wrong-password", "Wrong password"),
    SessionEnded: Row(401, "session-ended", "Session ended", headers=challenge()),
    EmailTaken: Row(409, "email-taken", "E-mail address taken"),
    WeakPassword: Row(422, "weak-password", "Password too weak"),
    InvalidRegistration: Row(422, "registration-refused", "Registration refused"),
    BadConfirmationCode: Row(422, "bad-confirmation-code", "Confirmation code not accepted"),
    AlreadyConfirmed: Row(409, "already-confirmed", "Already confirmed"),
    NotConfirmed: Row(403, "not-confirmed", "Account not confirmed"),
    UnsupportedChallenge: Row(403, "unsupported-challenge", "Extra sign-in step needed"),
    IdentityThrottled: Row(429, "too-many-requests", "Too many requests"),
    # --- access tokens ---
    InvalidToken: Row(401, "invalid-token", "Access token not valid", headers=_INVALID_TOKEN),
    ExpiredToken: Row(401, "token-expired", "Access token expired", headers=_INVALID_TOKEN),
    RevokedToken: Row(401, "token-revoked", "Access token revoked", headers=_INVALID_TOKEN),
}


def row_of(error: DomainError) -> Row | None:
    """The row of the error's class, or of its nearest base that has one."""
    return next((PROBLEMS[cls] for cls in type(error).__mro__ if cls in PROBLEMS), None)


def problem_of(error: DomainError) -> Problem | None:
    row = row_of(error)
    if row is None:
        return None
    headers = dict(row.headers)
    retry_after_s = getattr(error, "retry_after_s", None)
    if isinstance(retry_after_s, int):
        headers["Retry-After"] = str(retry_after_s)
    return Problem(
        row.status,
        row.slug,
        row.title,
        row.detail.format(detail=error.detail),
        errors=_field_errors(error, row),
        headers=headers,
    )


def _field_errors(error: DomainError, row: Row) -> list[dict[str, Any]] | None:
    if row.parameter is not None:
        return [{"parameter": row.parameter, "detail": error.detail}]
    if isinstance(error, RefusedInput):
        return [{"pointer": f"#/{error.field}", "detail": reason} for reason in error.reasons]
    if error.field is not None:
        return [{"pointer": f"#/{error.field}", "detail": error.detail}]
    return None
