"""The caller's one webhook: set it (a new signing secret every time), read it, rotate its
secret, delete it. The secret is given once, by the call that made it (setting or rotating):
the entry point never answers it when the webhook is only read.

The URL must be https (http too in local mode) and its host must not be or resolve to a
loopback, private or link-local address, unless local mode allows it
(`webhook_allow_private_targets`); otherwise `WebhookUrlNotAllowed`, saying why.
"""

from __future__ import annotations

from typing import Protocol

from videoshare.domain.errors import WebhookNotFound, WebhookUrlNotAllowed
from videoshare.settings import Settings
from videoshare.usecases.ports import UnsafeTarget, Webhook, WebhookRegistry, WebhookTargets


class WebhookPorts(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def webhooks(self) -> WebhookRegistry: ...
    @property
    def webhook_targets(self) -> WebhookTargets: ...


async def set_webhook(ports: WebhookPorts, user_id: str, url: str) -> Webhook:
    settings = ports.settings
    schemes = ("https://", "http://") if settings.is_local else ("https://",)
    if not url.lower().startswith(schemes):
        raise WebhookUrlNotAllowed(f"the URL must start with {' or '.join(schemes)}")
    try:
        await ports.webhook_targets.check(url, allow_private=settings.webhooks_may_call_private)
    except UnsafeTarget as exc:
        raise WebhookUrlNotAllowed(str(exc)) from exc
    return await ports.webhooks.put(user_id, url)


async def webhook_of(ports: WebhookPorts, user_id: str) -> Webhook:
    hook = await ports.webhooks.get(user_id)
    if hook is None:
        raise WebhookNotFound('You have no webhook; PUT /v1/webhook {"url"} sets one.')
    return hook


async def rotate_webhook_secret(ports: WebhookPorts, user_id: str) -> Webhook:
    """The webhook with a fresh signing secret; the old one no longer signs anything."""
    hook = await ports.webhooks.rotate(user_id)
    if hook is None:
        raise WebhookNotFound('You have no webhook; PUT /v1/webhook {"url"} sets one.')
    return hook


async def delete_webhook(ports: WebhookPorts, user_id: str) -> None:
    if not await ports.webhooks.delete(user_id):
        raise WebhookNotFound("You have no webhook to delete.")
