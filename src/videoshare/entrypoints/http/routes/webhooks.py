"""Routes of `/v1/webhook`: the caller's one webhook (PUT to set it, GET, DELETE).

Every PUT makes a new signing secret, returned once in its answer (and by GET). The URL must be
https (http too in local mode) and its host must not be or resolve to a loopback, private or
link-local address, unless local mode allows it (`webhook_allow_private_targets`).
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from videoshare.adapters.webhooks import UnsafeTarget, Webhook, WebhookRepository, check_target
from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.problems import Problem, not_found
from videoshare.entrypoints.http.replies import NO_STORE, json_reply, no_content
from videoshare.entrypoints.http.validation import parse_body

MAX_URL = 2048

routes = web.RouteTableDef()


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL)]


class WebhookOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str
    secret: str


def _repository(request: web.Request) -> WebhookRepository:
    return dependencies(request).webhooks


def _reply(hook: Webhook) -> web.Response:
    return json_reply(WebhookOut(url=hook.url, secret=hook.secret), headers=NO_STORE)


@routes.put("/v1/webhook")
async def put_webhook(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, WebhookIn)
    settings = dependencies(request).settings
    schemes = ("https://", "http://") if settings.is_local else ("https://",)
    if not body.url.lower().startswith(schemes):
        raise _bad_url(f"the URL must start with {' or '.join(schemes)}")
    try:
        await check_target(body.url, allow_private=settings.webhooks_may_call_private)
    except UnsafeTarget as exc:
        raise _bad_url(str(exc)) from exc
    return _reply(await _repository(request).put(user.user_id, body.url))


@routes.get("/v1/webhook")
async def get_webhook(request: web.Request) -> web.Response:
    user = await require_user(request)
    hook = await _repository(request).get(user.user_id)
    if hook is None:
        raise not_found('You have no webhook; PUT /v1/webhook {"url"} sets one.')
    return _reply(hook)


@routes.delete("/v1/webhook")
async def delete_webhook(request: web.Request) -> web.Response:
    user = await require_user(request)
    if not await _repository(request).delete(user.user_id):
        raise not_found("You have no webhook to delete.")
    return no_content()


def _bad_url(reason: str) -> Problem:
    return Problem(
        422,
        "webhook-url-not-allowed",
        "Webhook URL not allowed",
        f"This URL cannot receive webhooks: {reason}.",
        errors=[{"pointer": "#/url", "detail": reason}],
    )
