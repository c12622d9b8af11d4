"""Turning request bodies and query strings into models, or into a problem with field errors.

    body = await parse_body(request, CreateVideoIn)     # 400 not JSON, 422 wrong shape
    query = parse_query(request, ListVideosQuery)       # 422 with the parameter named

Field errors follow RFC 9457's example: `{"pointer": "#/title", "detail": "..."}` for the body,
`{"parameter": "limit", "detail": "..."}` for the query string.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from videoshare.entrypoints.problem_json import Problem, validation_failed

M = TypeVar("M", bound=BaseModel)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


async def read_file_body(request: web.Request, max_bytes: int) -> bytes:
    """A file sent as the body (captions, an image), read up to one byte past `max_bytes`: the
    use case refuses what is longer (413) without the rest ever being read."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes and (chunk := await request.content.read(64 * 1024)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def parse_body(request: web.Request, model: type[M]) -> M:
    """The request's JSON body as `model`; aiohttp's `client_max_size` caps its size."""
    if not _is_json(request.content_type):
        raise Problem(
            400,
            "not-json",
            "Body is not JSON",
            "Send the body as JSON with the header `Content-Type: application/json`.",
        )
    raw = await request.read()
    if not raw.strip():
        raise Problem(400, "malformed-json", "Body missing", "This call needs a JSON object.")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for error in errors:
            if error["type"] == "json_invalid":
                reason = str(error.get("ctx", {}).get("error", "")) or _message(error)
                raise Problem(
                    400,
                    "malformed-json",
                    "Malformed JSON",
                    f"The body is not valid JSON: {reason}.",
                ) from None
        raise validation_failed([_body_error(e) for e in errors]) from None


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string as `model` (unknown parameters are ignored)."""
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        errors = [
            {"parameter": ".".join(str(p) for p in e["loc"]) or "query", "detail": _message(e)}
            for e in exc.errors(include_url=False)
        ]
        raise validation_failed(errors) from None


def _body_error(error: ErrorDetails) -> dict[str, Any]:
    pointer = "#" + "".join(f"/{part}" for part in error["loc"])
    return {"pointer": pointer, "detail": _message(error)}


def _message(error: ErrorDetails) -> str:
    return error["msg"].removeprefix("Value error, ")
