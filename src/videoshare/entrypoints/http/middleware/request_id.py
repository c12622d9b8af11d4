"""X-Request-Id: taken from the request when it is sane, made up otherwise, echoed on every
response, bound to every log line of the request, and the `correlation_id` of its events."""

from __future__ import annotations

import re
import uuid

import structlog
from aiohttp import web

from videoshare.entrypoints.problem_json import RequestHandler

HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("request_id", str)
# Letters, digits and a little punctuation, at most 128: safe in headers, logs and attributes.
_SANE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def new_request_id() -> str:
    return str(uuid.uuid4())


def incoming_request_id(value: str | None) -> str | None:
    """The client's request id when it is one we can safely carry, else None."""
    return value if value and _SANE.match(value) else None


def request_id(request: web.Request) -> str:
    """This request's id (made up here if the middleware has not run)."""
    if REQUEST_ID not in request:
        request[REQUEST_ID] = incoming_request_id(request.headers.get(HEADER)) or new_request_id()
    return request[REQUEST_ID]


@web.middleware
async def request_id_middleware(
    request: web.Request, handler: RequestHandler
) -> web.StreamResponse:
    with structlog.contextvars.bound_contextvars(request_id=request_id(request)):
        return await handler(request)


async def echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: every response carries the id, redirects and errors included."""
    response.headers[HEADER] = request_id(request)
