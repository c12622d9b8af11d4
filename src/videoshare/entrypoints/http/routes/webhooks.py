"""Routes of `/v1/webhook`: the caller's one webhook, through `usecases/webhooks.py`.

PUT    /v1/webhook          {"url"}: set it; answers the new signing secret, once
GET    /v1/webhook          the URL and when it changed, never the secret
POST   /v1/webhook/secret   a fresh signing secret for the same URL, answered once
DELETE /v1/webhook
"""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.replies import NO_STORE, json_reply, no_content
from videoshare.entrypoints.http.schemas import WebhookIn, WebhookOut, WebhookSecretOut
from videoshare.entrypoints.http.validation import parse_body
from videoshare.usecases.ports import Webhook
from videoshare.usecases.webhooks import (
    delete_webhook,
    rotate_webhook_secret,
    set_webhook,
    webhook_of,
)

routes = web.RouteTableDef()


def _with_secret(hook: Webhook) -> web.Response:
    body = WebhookSecretOut(url=hook.url, secret=hook.secret, updated_at=hook.updated_at)
    return json_reply(body, headers=NO_STORE)


@routes.put("/v1/webhook")
async def put_webhook(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, WebhookIn)
    return _with_secret(await set_webhook(dependencies(request), user.user_id, body.url))


@routes.get("/v1/webhook")
async def get_webhook(request: web.Request) -> web.Response:
    user = await require_user(request)
    hook = await webhook_of(dependencies(request), user.user_id)
    return json_reply(WebhookOut(url=hook.url, updated_at=hook.updated_at), headers=NO_STORE)


@routes.post("/v1/webhook/secret")
async def rotate_secret(request: web.Request) -> web.Response:
    user = await require_user(request)
    return _with_secret(await rotate_webhook_secret(dependencies(request), user.user_id))


@routes.delete("/v1/webhook")
async def delete_webhook_(request: web.Request) -> web.Response:
    user = await require_user(request)
    await delete_webhook(dependencies(request), user.user_id)
    return no_content()
