"""`WebhookRegistry` and `WebhookTargets`: the fakes and `adapters.webhooks` (DynamoDB, and the
system's resolver for names) answer alike."""

from __future__ import annotations

import uuid

import pytest

from tests.contract.conftest import Emulated
from tests.fakes.webhooks import FakeWebhookRegistry, FakeWebhookTargets
from videoshare.adapters.webhooks import WebhookRepository, WebhookTargetCheck
from videoshare.domain.webhooks import SECRET_PREFIX
from videoshare.infra.topology import WEBHOOKS_TABLE
from videoshare.usecases.ports import UnsafeTarget, WebhookRegistry, WebhookTargets


@pytest.fixture
async def hooks(backend: Emulated | None) -> WebhookRegistry:
    if backend is None:
        return FakeWebhookRegistry()
    return WebhookRepository(backend.aws.dynamodb, await backend.fresh_table(WEBHOOKS_TABLE))


@pytest.fixture
def targets(backend: Emulated | None) -> WebhookTargets:
    return FakeWebhookTargets() if backend is None else WebhookTargetCheck()


def _user() -> str:
    return str(uuid.uuid4())


async def test_a_webhook_is_set_read_and_replaced_with_a_new_secret(hooks: WebhookRegistry) -> None:
    user = _user()
    assert await hooks.get(user) is None
    first = await hooks.put(user, "https://example.com/a")
    assert (first.user_id, first.url) == (user, "https://example.com/a")
    assert first.secret.startswith(SECRET_PREFIX)
    assert await hooks.get(user) == first
    second = await hooks.put(user, "https://example.com/b")
    assert second.secret != first.secret
    assert await hooks.get(user) == second
    assert await hooks.get(_user()) is None


async def test_rotating_changes_only_the_secret_of_an_existing_webhook(
    hooks: WebhookRegistry,
) -> None:
    user = _user()
    assert await hooks.rotate(user) is None
    assert await hooks.get(user) is None  # not made by rotating
    made = await hooks.put(user, "https://example.com/a")
    rotated = await hooks.rotate(user)
    assert rotated is not None
    assert (rotated.user_id, rotated.url) == (user, made.url)
    assert rotated.secret.startswith(SECRET_PREFIX)
    assert rotated.secret != made.secret
    assert rotated.updated_at >= made.updated_at
    assert await hooks.get(user) == rotated
    assert await hooks.delete(user)
    assert await hooks.rotate(user) is None
    assert await hooks.get(user) is None


async def test_deleting_says_whether_there_was_one(hooks: WebhookRegistry) -> None:
    user, other = _user(), _user()
    await hooks.put(user, "https://example.com/a")
    await hooks.put(other, "https://example.com/b")
    assert await hooks.delete(user)
    assert not await hooks.delete(user)
    assert await hooks.get(user) is None
    assert await hooks.get(other) is not None


@pytest.mark.parametrize(
    "url",
    ["https://93.184.216.34/in", "http://[2606:2800:220:1:248:1893:25c8:1946]:8443/in"],
)
async def test_a_public_address_may_receive(targets: WebhookTargets, url: str) -> None:
    await targets.check(url, allow_private=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/in", "127.0.0.1 is (or resolves to) 127.0.0.1, not public"),
        ("https://10.0.0.1/in", "10.0.0.1 is (or resolves to) 10.0.0.1, not public"),
        ("https://[::ffff:192.168.0.1]/in", "is (or resolves to)"),
        ("https://169.254.169.254/", "169.254.169.254 is (or resolves to) 169.254.169.254"),
        ("https://localhost:8443/in", "localhost is (or resolves to) "),
        ("ftp://93.184.216.34/", "the URL must be http(s)://host/..."),
        ("https:///in", "the URL must be http(s)://host/..."),
        (f"https://{'a' * 64}.example.com/in", "is longer than 63 characters"),
        (f"https://{'a.' * 127}com/in", "longer than 253 characters"),
        ("https://hooks..example.com/in", "an empty label"),
        ("https://[64:ff9b::a00:1]/in", "64:ff9b::a00:1, not public"),  # NAT64 of 10.0.0.1
        ("https://[2002:a00:1::1]/in", "2002:a00:1::1, not public"),  # 6to4 of 10.0.0.1
    ],
)
async def test_a_private_or_malformed_target_is_refused_saying_why(
    targets: WebhookTargets, url: str, reason: str
) -> None:
    with pytest.raises(UnsafeTarget) as refused:
        await targets.check(url, allow_private=False)
    assert reason in str(refused.value)


async def test_private_targets_pass_when_allowed(targets: WebhookTargets) -> None:
    await targets.check("http://127.0.0.1:9000/in", allow_private=True)
    await targets.check("http://localhost:9000/in", allow_private=True)
    with pytest.raises(UnsafeTarget):  # still http(s) with a host
        await targets.check("ftp://127.0.0.1/", allow_private=True)
