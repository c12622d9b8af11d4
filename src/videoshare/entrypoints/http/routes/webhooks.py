"""Routes of `/v1/webhook`: the caller's one webhook (PUT to set it, GET, DELETE), through
`usecases/webhooks.py`. Every PUT makes a new signing secret, returned in its answer (and by
GET)."""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.replies import NO_STORE, json_reply, no_content
from videoshare.entrypoints.http.schemas import WebhookIn, WebhookOut
from videoshare.entrypoints.http.validation import parse_body
from videoshare.usecases.ports import Webhook
from videoshare.usecases.webhooks import delete_webhook, set_webhook, webhook_of

routes = web.RouteTableDef()


def _reply(hook: Webhook) -> web.Response:
    return json_reply(WebhookOut(url=hook.url, secret=hook.secret), headers=NO_STORE)


@routes.put("/v1/webhook")
async def put_webhook(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, WebhookIn)
    return _reply(await set_webhook(dependencies(request), user.user_id, body.url))


@routes.get("/v1/webhook")
async def get_webhook(request: web.Request) -> web.Response:
    user = await require_user(request)
    return _reply(await webhook_of(dependencies(request), user.user_id))


@routes.delete("/v1/webhook")
async def delete_webhook_(request: web.Request) -> web.Response:
    user = await require_user(request)
    await delete_webhook(dependencies(request), user.user_id)
    return no_content()
