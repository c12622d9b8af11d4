"""What the adapters' exceptions mean to a client: each one becomes a `Problem`.

Token failures are 401s that say what to do (refresh, or log in again); Cognito's refusals keep
its reasons where they help (a password rule) and hide them where they would leak (login);
an AWS service that does not answer is a 503; anything unforeseen is a 500 that names nothing
inside, while the log gets the traceback.
"""

from __future__ import annotations

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from videoshare.adapters import cognito
from videoshare.adapters.tokens import ExpiredToken, InvalidToken, JwksUnavailable, RevokedToken
from videoshare.domain.errors import BadCursor
from videoshare.entrypoints.http.problems import Problem, unauthenticated, unavailable

log = structlog.get_logger("ingress")

_TRANSIENT_CODES = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
}


def problem_for(exc: Exception) -> Problem:
    if isinstance(exc, ExpiredToken):
        return unauthenticated(
            "token-expired",
            "Access token expired",
            "The access token has expired; get a new one with POST /v1/auth/refresh.",
            "invalid_token",
        )
    if isinstance(exc, RevokedToken):
        return unauthenticated(
            "token-revoked",
            "Access token revoked",
            "This access token no longer works (its session was logged out); log in again.",
            "invalid_token",
        )
    if isinstance(exc, InvalidToken):
        return unauthenticated(
            "invalid-token",
            "Access token not valid",
            "The access token is not a valid token of this service; log in again.",
            "invalid_token",
        )
    if isinstance(exc, BadCursor):
        return Problem(
            400,
            "bad-cursor",
            "Bad cursor",
            f"{exc}; start again without `cursor`.",
            errors=[{"parameter": "cursor", "detail": str(exc)}],
        )
    if isinstance(exc, cognito.IdentityError):
        return _from_identity_error(exc)
    if isinstance(exc, JwksUnavailable | BotoCoreError) or (
        isinstance(exc, ClientError) and _transient(exc)
    ):
        log.warning("dependency_unavailable", error=repr(exc))
        return unavailable()
    log.error("unhandled_error", exc_info=exc)
    return Problem(
        500,
        "internal",
        "Internal error",
        "Something went wrong on our side; try again, and quote the X-Request-Id if it persists.",
    )


def _transient(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code in _TRANSIENT_CODES or status >= 500


def _from_identity_error(exc: cognito.IdentityError) -> Problem:
    if isinstance(exc, cognito.BadCredentials):
        return Problem(
            401,
            "bad-credentials",
            "Bad credentials",
            "The e-mail address or the password is not right.",
        )
    if isinstance(exc, cognito.SessionEnded):
        return unauthenticated(
            "session-ended",
            "Session ended",
            "This session has ended (logged out or never valid); log in again.",
        )
    if isinstance(exc, cognito.EmailTaken):
        return Problem(
            409,
            "email-taken",
            "E-mail address taken",
            "An account with this e-mail address exists already; log in instead.",
        )
    if isinstance(exc, cognito.WeakPassword):
        rule = exc.rule or exc.message
        detail = f"{exc.message.rstrip('.')}. {rule}" if exc.rule else exc.message
        return Problem(
            422,
            "weak-password",
            "Password too weak",
            detail,
            errors=[{"pointer": "#/password", "detail": rule}],
        )
    if isinstance(exc, cognito.InvalidRegistration):
        return Problem(422, "registration-refused", "Registration refused", exc.message)
    if isinstance(exc, cognito.BadConfirmationCode):
        return Problem(
            422,
            "bad-confirmation-code",
            "Confirmation code not accepted",
            "The code does not match this e-mail address, or it expired.",
            errors=[{"pointer": "#/code", "detail": "does not match"}],
        )
    if isinstance(exc, cognito.AlreadyConfirmed):
        return Problem(409, "already-confirmed", "Already confirmed", exc.message)
    if isinstance(exc, cognito.NotConfirmed):
        return Problem(
            403,
            "not-confirmed",
            "Account not confirmed",
            "Confirm the e-mail address first (POST /v1/auth/confirm with the code).",
        )
    if isinstance(exc, cognito.UnsupportedChallenge):
        return Problem(
            403,
            "unsupported-challenge",
            "Extra sign-in step needed",
            f"Cognito asks for {exc.message}, which this API cannot do yet.",
        )
    if isinstance(exc, cognito.IdentityThrottled):
        return Problem(
            429,
            "too-many-requests",
            "Too many requests",
            "Too many attempts; wait a little and try again.",
            headers={"Retry-After": "5"},
        )
    return unavailable()
