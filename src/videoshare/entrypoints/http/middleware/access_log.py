"""One structured log line per request: request id, method, path, status, duration, user.

Only the path is logged (no query string, no headers), so tokens, passwords and the
Authorization header never reach the log.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from aiohttp import web

from videoshare.entrypoints.problem_json import RequestHandler

log = structlog.get_logger("ingress")

USER_ID = web.RequestKey("user_id", str)
# What the log says when the client went away before the answer.
CLIENT_CLOSED = 499


@web.middleware
async def access_log_middleware(
    request: web.Request, handler: RequestHandler
) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # redirects raised by handlers pass through here
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = CLIENT_CLOSED
        raise
    finally:
        log.info(
            "request",
            method=request.method,
            path=request.path,
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            user_id=request.get(USER_ID),
        )
