"""What can go wrong that a caller is told about: the domain's errors.

Use cases raise these; each entry point says them in its own way (the HTTP layer maps each
class to one problem+json in `entrypoints/http/problems.py`, a worker rejects or retries).
Each carries a sentence a person can act on (`str(error)`); `field` names the input at fault.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a caller is told about, with a sentence to act on."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class VideoConflict(DomainError):
    """The video changed since it was read (another writer won); read it again."""


class VideoExists(DomainError):
    """A video with this id exists already."""


class BadCursor(DomainError, ValueError):
    """A page cursor that this service did not make."""


# --- the media bucket's objects (raised through `usecases.ports.ObjectStore`) ------------------


class ObjectMissing(DomainError):
    """No object at the key: not uploaded yet, or deleted. `key` names it."""

    def __init__(self, key: str, detail: str | None = None) -> None:
        super().__init__(detail or f"there is no object at {key}")
        self.key = key


class ObjectTooLarge(DomainError):
    """The object is larger than the caller accepts; nothing of it was read."""

    def __init__(self, key: str, size: int, max_bytes: int) -> None:
        super().__init__(f"{key} is {size:,} bytes; at most {max_bytes:,} are accepted")
        self.key = key
        self.size = size
        self.max_bytes = max_bytes


# --- the ingress's errors -----------------------------------------------------------------
# What a client is told by the ingress's use cases and by the identity and token ports. The
# HTTP layer maps each class to one problem+json (`entrypoints/http/domain_problems.py`).


class RefusedInput(DomainError):
    """An input refused for what it is: `field` names it, `reasons` say what it must be."""

    def __init__(self, detail: str, *, field: str, reasons: list[str]) -> None:
        super().__init__(detail, field=field)
        self.reasons = list(reasons)


class NotFound(DomainError):
    """Nothing the caller may see at this address."""


class VideoNotFound(NotFound):
    """One answer for unknown, malformed, deleted and other people's private videos."""

    def __init__(self) -> None:
        super().__init__("There is no video with this id, or it is not yours to see.")


class RenditionNotFound(NotFound):
    """The video has no rendition of that name."""


class MediaNotFound(NotFound):
    """A playback file (HLS stream, playlist, storyboard) the video does not have."""


class WebhookNotFound(NotFound):
    """The caller has no webhook."""


class OwnerOnly(DomainError):
    """Only the video's owner may do this; the caller may see the video, but it is not theirs."""


class NotAVideo(RefusedInput):
    """The declared file is not a video (its type or its extension)."""


class UploadTooLarge(RefusedInput):
    """The declared file is larger than this service takes."""


class StorageQuotaExceeded(RefusedInput):
    """The video would take the owner's storage over the quota."""


class TooManyRequests(DomainError):
    """A limit is reached; try again in `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int, detail: str) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class ProcessingBudgetSpent(TooManyRequests):
    """The owner's minutes of video processed today (UTC) are spent; `retry_after_s` is the time
    until the day rolls over."""


class EditConflict(DomainError):
    """The video kept changing while the request tried to write it."""

    retry_after_s = 1

    def __init__(self) -> None:
        super().__init__("The video kept changing while this request tried to write it; try again.")


class UploadFinished(DomainError):
    """The video's upload is over (`why`: what ended it)."""

    def __init__(self, why: str) -> None:
        super().__init__(
            f"This video's upload is over ({why}); create a new video to upload again."
        )


class NotMultipart(DomainError):
    """Completing an upload that is a single PUT."""

    def __init__(self) -> None:
        super().__init__(
            "This video's upload is a single PUT to its URL; there is nothing to complete."
        )


class InvalidParts(RefusedInput):
    """The part list of a completion does not name the upload's parts in order."""

    def __init__(self, reasons: list[str]) -> None:
        detail = "; ".join(f"parts: {reason}" for reason in reasons[:5])
        super().__init__(detail, field="parts", reasons=reasons)


class PartsRefused(DomainError):
    """S3 refused the part list of a completion (`code` is S3's)."""


class PartMismatch(PartsRefused):
    """A part is missing, or its ETag is not the one S3 gave."""


class PartsOutOfOrder(PartsRefused):
    """The parts are not in ascending order."""


class PartTooSmall(PartsRefused):
    """A part but the last is shorter than the part size."""


class PartTooLarge(DomainError):
    """A part S3 holds is larger than planned; the multipart upload was aborted."""


class SourceNotAvailable(DomainError):
    """The original upload cannot be downloaded in the video's status."""


class CaptionNotFound(NotFound):
    """The video has no captions in that language."""


class BadCaptions(RefusedInput):
    """A captions file that is not WebVTT or SRT, or whose cues cannot be played."""


class UnknownLanguage(RefusedInput):
    """A language tag that is not BCP 47 or names no registered language."""


class FileTooLarge(DomainError):
    """A file sent to the API (captions, a poster) is larger than its setting allows."""


class NotAnImage(RefusedInput):
    """A poster that is not a JPEG, PNG or WebP image (told by its bytes, not its name)."""


class BadImage(RefusedInput):
    """An image that cannot be decoded safely: truncated, damaged, or too many pixels."""


class NotReady(DomainError):
    """The video is not ready for what was asked (download, playback)."""


class BadPlaybackToken(DomainError):
    """A playback link that expired or is not one of ours."""

    def __init__(self) -> None:
        super().__init__(
            "This playback link has expired or is not one of ours; get a fresh `hls_url` "
            "from GET /v1/videos/{id}."
        )


class DamagedMedia(DomainError):
    """A stored playlist that cannot be served; the video needs processing again."""


class ImportUrlNotAllowed(RefusedInput):
    """A link a video may not be imported from (`reason` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"A video cannot be imported from this link: {reason}.",
            field="source_url",
            reasons=[reason],
        )


class WebhookUrlNotAllowed(RefusedInput):
    """A URL that may not receive webhooks (`reason` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"This URL cannot receive webhooks: {reason}.", field="url", reasons=[reason]
        )


# --- identity: what the user pool refused ---


class IdentityError(DomainError):
    """Base of what the user pool refused; `message` is the pool's own words, `detail` the
    sentence the caller gets."""

    sentence = "The user pool refused this request."

    def __init__(self, message: str = "") -> None:
        super().__init__(self._sentence(message))
        self.message = message

    def _sentence(self, message: str) -> str:
        return self.sentence


class EmailTaken(IdentityError):
    sentence = "An account with this e-mail address exists already; log in instead."


class WeakPassword(RefusedInput):
    """The password breaks the pool's policy; `rule` says what the policy asks for."""

    def __init__(self, message: str, rule: str | None) -> None:
        detail = f"{message.rstrip('.')}. {rule}" if rule else message
        super().__init__(detail, field="password", reasons=[rule or message])
        self.message = message
        self.rule = rule


class InvalidRegistration(IdentityError):
    """The pool refused a parameter (an address it does not take, a password it cannot use…)."""

    def _sentence(self, message: str) -> str:
        return message


class BadCredentials(IdentityError):
    """Unknown user or wrong password: deliberately one case."""

    sentence = "The e-mail address or the password is not right."


class WrongPassword(IdentityError):
    """A logged-in person's current password, asked again to confirm a change, is not right."""

    sentence = "The password is not right."


class NotConfirmed(IdentityError):
    sentence = "Confirm the e-mail address first (POST /v1/auth/confirm with the code)."


class BadConfirmationCode(RefusedInput):
    """Wrong, expired, or for an unknown address: one answer (no account discovery)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            "The code does not match this e-mail address, or it expired.",
            field="code",
            reasons=["does not match"],
        )
        self.message = message


class AlreadyConfirmed(IdentityError):
    def _sentence(self, message: str) -> str:
        return message


class SessionEnded(IdentityError):
    """The refresh or access token no longer works (revoked by a logout, or made up)."""

    sentence = "This session has ended (logged out or never valid); log in again."


class UnsupportedChallenge(IdentityError):
    """The pool asks for a step this API cannot do yet (new password, MFA)."""

    def _sentence(self, message: str) -> str:
        return f"Cognito asks for {message}, which this API cannot do yet."


class IdentityThrottled(IdentityError):
    """The pool refuses to answer this person so often (login attempts): slow down."""

    sentence = "Too many attempts; wait a little and try again."
    retry_after_s = 5


class IdentityUnavailable(IdentityError):
    """The pool did not answer a question of ours (our quota, not the caller's fault)."""

    sentence = "A service this API depends on did not answer; try again."


# --- access tokens ---


class InvalidToken(DomainError):
    """Not a valid access token of this pool and app client; `reason` says why (for logs)."""

    sentence = "The access token is not a valid token of this service; log in again."

    def __init__(self, reason: str) -> None:
        super().__init__(self.sentence)
        self.reason = reason


class ExpiredToken(InvalidToken):
    """A genuine access token whose `exp` has passed: refresh it."""

    sentence = "The access token has expired; get a new one with POST /v1/auth/refresh."


class RevokedToken(InvalidToken):
    """A genuine, unexpired access token that the pool no longer accepts (logged out)."""

    sentence = "This access token no longer works (its session was logged out); log in again."
