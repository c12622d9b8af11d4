"""Success answers: a response model as JSON, with the status and headers of the call."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

# Answers that carry tokens or signed URLs must not be stored by any cache.
NO_STORE = {"Cache-Control": "no-store"}


def json_reply(
    model: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=model.model_dump_json(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def no_content() -> web.Response:
    return web.Response(status=204)
