"""Every error leaves as `application/problem+json` (RFC 9457), and never with a traceback.

`problem_middleware` turns everything into a problem: `Problem`s as they are, aiohttp's own
HTTP errors (unknown route 404, wrong method 405, body too large 413), the domain's errors and
the adapters' exceptions through `failures.problem_for` (a 500 that says nothing about the
inside for anything unforeseen).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web

from videoshare.entrypoints.http.failures import problem_for
from videoshare.entrypoints.http.problems import Problem, not_found

# What an aiohttp middleware calls next (not the bus's message `Handler`).
RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problem_middleware(request: web.Request, handler: RequestHandler) -> web.StreamResponse:
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
        return problem_for(exc).response()


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
