"""Problem details (RFC 9457): the one shape every error of our HTTP servers leaves in (the
ingress and the workers' side servers), and the middleware that makes sure of it.

    raise Problem(404, "not-found", "Not found", "There is nothing at this address.")

`Problem` is what the HTTP layer itself refuses (a body that is not JSON, a missing token); the
use cases raise domain errors instead, which `domain_problems.py` maps to problems in one table.
The factories below are the problems more than one place raises.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

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


# What an aiohttp middleware calls next (not the bus's message `Handler`).
RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem_middleware(fallback: Callable[[Exception], Problem]) -> Middleware:
    """A middleware that answers every error as problem+json: `Problem`s as they are, aiohttp's
    own HTTP errors (unknown route 404, wrong method 405, body too large 413), and anything
    else as `fallback` says (which never lets a traceback out)."""

    @web.middleware
    async def middleware(request: web.Request, handler: RequestHandler) -> web.StreamResponse:
        return await _answer(request, handler, fallback)

    return middleware


async def _answer(
    request: web.Request, handler: RequestHandler, fallback: Callable[[Exception], Problem]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as problem:
        return problem.response()
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects and friends are answers, not errors
            raise
        return _from_http_exception(exc).response()
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback leaves
        return fallback(exc).response()


def _from_http_exception(exc: web.HTTPException) -> Problem:
    status = HTTPStatus(exc.status)
    headers = {
        k: v for k, v in exc.headers.items() if k.lower() not in {"content-type", "content-length"}
    }
    if exc.status == 404:
        return not_found()
    if exc.status == 405:
        allowed = headers.get("Allow", "").replace(",", ", ")
        detail = f"This address answers {allowed} only." if allowed else "Not with this method."
        return Problem(405, "method-not-allowed", "Method not allowed", detail, headers=headers)
    if exc.status == 413:
        return Problem(
            413,
            "body-too-large",
            "Request body too large",
            "The request body is larger than this API accepts; JSON bodies stay small, and "
            "video bytes go straight to the upload URL.",
        )
    slug = status.phrase.lower().replace(" ", "-")
    return Problem(exc.status, slug, status.phrase, exc.text or status.description, headers=headers)
