"""The caller's webhook (`usecases/webhooks.py`): which URLs may receive, and the one
registration per user."""

from __future__ import annotations

import re

import pytest

from tests.fakes.webhooks import FakeWebhookTargets
from tests.usecases.support import FakePorts, fixed_settings
from videoshare.domain.errors import WebhookNotFound, WebhookUrlNotAllowed
from videoshare.domain.webhooks import SECRET_PREFIX
from videoshare.usecases.webhooks import (
    delete_webhook,
    rotate_webhook_secret,
    set_webhook,
    webhook_of,
)

PUBLIC = "https://93.184.216.34/hooks"


async def test_a_public_https_url_is_set_with_a_new_secret_each_time(ports: FakePorts) -> None:
    first = await set_webhook(ports, "alice", PUBLIC)
    assert first.secret.startswith(SECRET_PREFIX)
    assert await webhook_of(ports, "alice") == first
    second = await set_webhook(ports, "alice", "https://hooks.example.com/in")
    assert second.secret != first.secret
    assert (await webhook_of(ports, "alice")).url == "https://hooks.example.com/in"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://93.184.216.34/", "the URL must start with https:// or http://"),
        ("https://127.0.0.1/hook", "127.0.0.1 is (or resolves to) 127.0.0.1, not public"),
        ("https://10.1.2.3/hook", "10.1.2.3 is (or resolves to) 10.1.2.3, not public"),
        ("https://[::1]/hook", "::1 is (or resolves to) ::1, not public"),
        ("https://localhost/hook", "localhost is (or resolves to) 127.0.0.1, not public"),
        (
            "https://169.254.169.254/latest",
            "169.254.169.254 is (or resolves to) 169.254.169.254, not public",
        ),
        ("https://nowhere.invalid/hook", "nowhere.invalid does not resolve"),
        ("http:///no-host", "the URL must be http(s)://host/..."),
    ],
)
async def test_urls_that_must_not_receive_webhooks_are_refused_saying_why(
    ports: FakePorts, url: str, reason: str
) -> None:
    with pytest.raises(WebhookUrlNotAllowed) as refused:
        await set_webhook(ports, "alice", url)
    assert (refused.value.field, refused.value.reasons) == ("url", [reason])
    assert refused.value.detail == f"This URL cannot receive webhooks: {reason}."
    assert await ports.webhooks.get("alice") is None


async def test_a_name_that_resolves_to_a_private_address_is_refused() -> None:
    ports = FakePorts(
        webhook_targets=FakeWebhookTargets({"rebind.example": ["93.184.216.34", "10.0.0.5"]})
    )
    with pytest.raises(WebhookUrlNotAllowed, match=re.escape("10.0.0.5, not public")):
        await set_webhook(ports, "alice", "https://rebind.example/hook")


async def test_outside_local_mode_only_https_is_taken() -> None:
    ports = FakePorts(settings=fixed_settings(mode="aws", playback_secret="s"))
    with pytest.raises(WebhookUrlNotAllowed, match="the URL must start with https://"):
        await set_webhook(ports, "alice", "http://93.184.216.34/")
    await set_webhook(ports, "alice", PUBLIC)


async def test_local_mode_may_allow_private_receivers() -> None:
    ports = FakePorts(settings=fixed_settings(webhook_allow_private_targets=True))
    hook = await set_webhook(ports, "alice", "http://127.0.0.1:9000/hook")
    assert hook.url == "http://127.0.0.1:9000/hook"
    aws = FakePorts(
        settings=fixed_settings(mode="aws", webhook_allow_private_targets=True, playback_secret="s")
    )
    with pytest.raises(WebhookUrlNotAllowed):  # never outside local mode
        await set_webhook(aws, "alice", "https://127.0.0.1:9000/hook")


async def test_without_a_webhook_reading_or_deleting_says_so(ports: FakePorts) -> None:
    with pytest.raises(WebhookNotFound) as none:
        await webhook_of(ports, "alice")
    assert none.value.detail == 'You have no webhook; PUT /v1/webhook {"url"} sets one.'
    await set_webhook(ports, "alice", PUBLIC)
    await set_webhook(ports, "bob", PUBLIC)
    await delete_webhook(ports, "alice")
    with pytest.raises(WebhookNotFound, match=re.escape("You have no webhook to delete.")):
        await delete_webhook(ports, "alice")
    assert (await webhook_of(ports, "bob")).user_id == "bob"


async def test_rotating_gives_the_same_url_a_new_secret_and_only_to_its_owner(
    ports: FakePorts,
) -> None:
    with pytest.raises(WebhookNotFound):
        await rotate_webhook_secret(ports, "alice")
    assert await ports.webhooks.get("alice") is None  # rotating made nothing
    made = await set_webhook(ports, "alice", PUBLIC)
    bobs = await set_webhook(ports, "bob", PUBLIC)
    rotated = await rotate_webhook_secret(ports, "alice")
    assert (rotated.url, rotated.user_id) == (PUBLIC, "alice")
    assert rotated.secret.startswith(SECRET_PREFIX)
    assert rotated.secret != made.secret
    assert await webhook_of(ports, "alice") == rotated
    assert await webhook_of(ports, "bob") == bobs
