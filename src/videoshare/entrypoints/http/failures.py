"""What any exception means to a client: each one becomes a `Problem`.

Domain errors answer as their row of `domain_problems.PROBLEMS` says; an AWS service (or the
user pool's signing keys) that does not answer is a 503; anything unforeseen is a 500 that
names nothing inside, while the log gets the traceback.
"""

from __future__ import annotations

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from videoshare.adapters.tokens import JwksUnavailable
from videoshare.domain.errors import DomainError
from videoshare.entrypoints.http.domain_problems import problem_of
from videoshare.entrypoints.problem_json import Problem, unavailable

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
    if isinstance(exc, DomainError) and (problem := problem_of(exc)) is not None:
        return problem
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
