"""`WebhookRegistry` and `WebhookTargets` in memory; the targets resolve names from a table
(`localhost`, and `hooks.example.com` as a public receiver, by default) instead of DNS."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from videoshare.domain.events import utc_now
from videoshare.domain.webhooks import hostname_problem, new_secret, public_address
from videoshare.usecases.ports import UnsafeTarget, Webhook

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_NAMES = {"localhost": ["127.0.0.1", "::1"], "hooks.example.com": ["93.184.216.34"]}


class FakeWebhookRegistry:
    def __init__(self) -> None:
        self.hooks: dict[str, Webhook] = {}

    async def put(self, user_id: str, url: str) -> Webhook:
        self.hooks[user_id] = Webhook(user_id, url, new_secret(), utc_now())
        return self.hooks[user_id]

    async def get(self, user_id: str) -> Webhook | None:
        return self.hooks.get(user_id)

    async def rotate(self, user_id: str) -> Webhook | None:
        if user_id not in self.hooks:
            return None
        self.hooks[user_id] = Webhook(user_id, self.hooks[user_id].url, new_secret(), utc_now())
        return self.hooks[user_id]

    async def delete(self, user_id: str) -> bool:
        return self.hooks.pop(user_id, None) is not None


class FakeWebhookTargets:
    def __init__(self, names: dict[str, list[str]] | None = None) -> None:
        self.names: dict[str, list[Address]] = {
            host: [ipaddress.ip_address(a) for a in addresses]
            for host, addresses in (names or DEFAULT_NAMES).items()
        }

    async def check(self, url: str, *, allow_private: bool) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise UnsafeTarget("the URL must be http(s)://host/...")
        if problem := hostname_problem(parts.hostname):
            raise UnsafeTarget(problem)
        if allow_private:
            return
        try:
            addresses: list[Address] = [ipaddress.ip_address(parts.hostname)]
        except ValueError:
            if parts.hostname not in self.names:
                raise UnsafeTarget(f"{parts.hostname} does not resolve") from None
            addresses = self.names[parts.hostname]
        for address in addresses:
            if not public_address(address):
                raise UnsafeTarget(f"{parts.hostname} is (or resolves to) {address}, not public")
