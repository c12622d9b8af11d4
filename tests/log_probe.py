"""A process that logs an unmapped error the way the ingress or a worker would, with the
project's own logging set-up (`python -m tests.log_probe login|webhook`; the format comes from
`VIDEOSHARE_LOG_FORMAT`). `tests/unit/test_no_secrets_in_logs.py` reads what it wrote: a fresh
process, because structlog caches each logger's configuration on first use."""

from __future__ import annotations

import asyncio
import sys

import structlog

from tests.fakes.identity import FakeIdentity
from tests.fakes.webhook_delivery import FakeWebhookPoster
from tests.fakes.workers import WorkerFakes
from tests.usecases.support import FakePorts
from videoshare.domain.webhooks import Delivery
from videoshare.entrypoints.http.failures import problem_for
from videoshare.logs import configure_logging
from videoshare.usecases.accounts import login
from videoshare.usecases.deliver_webhook import deliver_webhook
from videoshare.usecases.ports import AttemptResult, Tokens, Webhook

PASSWORD = "correct-horse-battery-staple-9"
WEBHOOK_URL = "https://hooks.example.com/in"


class _BrokenIdentity(FakeIdentity):
    """A user pool that fails in a way nobody mapped."""

    async def login(self, email: str, password: str) -> Tokens:
        raise RuntimeError("the user pool broke")


class _BrokenPoster(FakeWebhookPoster):
    async def post(self, hook: Webhook, delivery: Delivery, body: bytes) -> AttemptResult:
        raise RuntimeError("the poster broke")


async def _login() -> None:
    try:
        await login(FakePorts(identity=_BrokenIdentity()), "ada@example.com", PASSWORD, "::1", 0)
    except RuntimeError as exc:
        problem_for(exc)  # what the ingress's middleware does with it: logs, answers a 500


async def _webhook() -> None:
    ports = WorkerFakes(webhook_poster=_BrokenPoster())
    hook = await ports.webhooks.put("user-1", WEBHOOK_URL)
    print(hook.secret)  # on stdout, for the test to look for in stderr
    delivery = Delivery(
        delivery_id="d-1",
        user_id="user-1",
        event_type="video.ready",
        correlation_id="req-1",
        payload={"data": {}},
        first_attempt_at=0.0,
    )
    try:
        await deliver_webhook(ports, delivery, retry_base_s=30.0)
    except RuntimeError:
        structlog.get_logger("bus").exception("message not settled")  # as the runtime logs it


if __name__ == "__main__":
    configure_logging("probe")
    asyncio.run({"login": _login, "webhook": _webhook}[sys.argv[1]]())
