"""Problem details (RFC 9457): the one shape every error of the API leaves in.

    raise Problem(404, "not-found", "Not found", "There is nothing at this address.")

`Problem` is what the HTTP layer itself refuses (a body that is not JSON, a missing token); the
use cases raise domain errors instead, which `domain_problems.py` maps to problems in one table.
The factories below are the problems more than one place raises.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Problem `type`s are relative URI references under this path: stable names clients can match.
PROBLEM_TYPE_BASE = "/problems/"


class Problem(Exception):
    """An error answer: HTTP status, a stable `type` slug, a title and a sentence to act on."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"{PROBLEM_TYPE_BASE}{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body

    def response(self) -> web.Response:
        return web.Response(
            status=self.status,
            text=json.dumps(self.body(), ensure_ascii=False),
            content_type=PROBLEM_CONTENT_TYPE,
            headers=self.headers,
        )


def not_found(detail: str = "There is nothing at this address.") -> Problem:
    return Problem(404, "not-found", "Not found", detail)


def challenge(error: str | None = None) -> dict[str, str]:
    """The `WWW-Authenticate` header of a 401 (RFC 6750), with its `error` when there is one."""
    value = 'Bearer realm="videoshare"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def unauthenticated(slug: str, title: str, detail: str, error: str | None = None) -> Problem:
    return Problem(401, slug, title, detail, headers=challenge(error))


def validation_failed(errors: list[dict[str, Any]], status: int = 422) -> Problem:
    detail = "; ".join(_error_sentence(e) for e in errors[:5]) or "The request is not valid."
    return Problem(status, "validation", "The request is not valid", detail, errors=errors)


def _error_sentence(error: dict[str, Any]) -> str:
    where = str(error.get("pointer") or error.get("parameter") or "")
    where = where.removeprefix("#").removeprefix("/") or "body"
    return f"{where}: {error.get('detail', 'invalid')}"


def unavailable(
    detail: str = "A service this API depends on did not answer; try again.",
) -> Problem:
    return Problem(503, "unavailable", "Service unavailable", detail, headers={"Retry-After": "1"})
