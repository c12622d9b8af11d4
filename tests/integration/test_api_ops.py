"""Operations: health and readiness, request ids on every response, one access-log line each."""

from __future__ import annotations

import socket
import uuid

import aiohttp
import pytest
import structlog
from aiohttp import web
from pydantic import SecretStr
from structlog.testing import capture_logs

from tests.integration.api_support import (
    PASSWORD,
    Client,
    Stack,
    expect_problem,
    running_api,
    sign_up,
)
from videoshare.aws import AwsClients
from videoshare.entrypoints.http.app import create_app
from videoshare.entrypoints.http.internal import INTERNAL_SITE
from videoshare.infra.resources import Resources
from videoshare.settings import Mode, Settings
from videoshare.tcp_ports import PortInUse

pytestmark = pytest.mark.integration


async def test_healthz_and_readyz_answer(api: Client) -> None:
    health = await api.get("/healthz")
    assert health.status == 200
    assert await health.json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status == 200
    assert await ready.json() == {
        "status": "ok",
        "checks": {"dynamodb": "ok", "s3": "ok", "sns": "ok", "cognito": "ok"},
    }


async def test_readyz_is_a_503_problem_when_a_dependency_is_missing(
    settings: Settings, resources: Resources, aws: AwsClients
) -> None:
    async with running_api(settings) as api:
        await aws.s3.delete_bucket(Bucket=settings.bucket)  # empty: nothing was uploaded
        body = await expect_problem(await api.get("/readyz"), 503, "unavailable")
        assert body["checks"]["s3"] == "failing"
        assert body["checks"]["dynamodb"] == "ok"
        assert "s3" in body["detail"]


async def test_on_aws_readyz_and_metrics_answer_only_on_the_internal_listener(
    stack: Stack,
) -> None:
    settings = stack.settings.model_copy(
        update={"mode": Mode.AWS, "playback_secret": SecretStr("test"), "health_port": 0}
    )
    async with running_api(settings) as api, aiohttp.ClientSession() as internal:
        assert (await api.get("/healthz")).status == 200  # the load balancer's check
        for path in ("/readyz", "/metrics"):
            assert (await api.get(path)).status == 404  # (the web app's page for a lost address)
        assert api.app is not None
        host, port = api.app[INTERNAL_SITE].addresses[0][:2]
        base = f"http://{host}:{port}"
        async with internal.get(f"{base}/readyz") as ready:
            assert ready.status == 200
            assert (await ready.json())["status"] == "ok"
        async with internal.get(f"{base}/metrics") as metrics:
            assert metrics.status == 200
            text = await metrics.text()
        # the public listener's requests, counted by the one registry
        assert 'route="/healthz",status="200"' in text
        async with internal.get(f"{base}/v1/videos") as nothing_else:
            assert nothing_else.status == 404


async def test_a_taken_internal_port_is_said_in_one_sentence(stack: Stack) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = stack.settings.model_copy(
            update={"mode": Mode.AWS, "playback_secret": SecretStr("test"), "health_port": port}
        )
        runner = web.AppRunner(create_app(settings))
        try:
            with pytest.raises(PortInUse, match=f"port {port} .* the internal listener"):
                await runner.setup()  # starts the app: its dependencies, then the listener
        finally:
            await runner.cleanup()


async def test_an_unexpected_error_is_a_500_problem_without_internals(stack: Stack) -> None:
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("internal detail: /srv/secret.py line 42")

    app = create_app(stack.settings)
    app.router.add_get("/boom", boom)
    with capture_logs() as logs:
        async with running_api(stack.settings, app) as api:
            response = await api.get("/boom")
            body = await expect_problem(response, 500, "internal")
    assert "secret" not in await response.text()
    assert "X-Request-Id" in body["detail"]
    errors = [e for e in logs if e["event"] == "unhandled_error"]
    assert len(errors) == 1  # the operator gets the traceback, the client does not
    assert isinstance(errors[0]["exc_info"], RuntimeError)


@pytest.mark.parametrize(
    ("path", "status"), [("/healthz", 200), ("/v1/nowhere", 404), ("/v1/me", 401)]
)
async def test_a_sane_request_id_is_echoed(api: Client, path: str, status: int) -> None:
    request_id = f"client-{uuid.uuid4().hex}"
    response = await api.get(path, headers={"X-Request-Id": request_id})
    assert response.status == status
    assert response.headers["X-Request-Id"] == request_id


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 200, "semi;colon", "ünï"])
async def test_a_missing_or_odd_request_id_is_replaced(api: Client, given: str | None) -> None:
    headers = {} if given is None else {"X-Request-Id": given}
    response = await api.get("/healthz", headers=headers)
    made_up = response.headers["X-Request-Id"]
    assert made_up != given
    assert uuid.UUID(made_up)


async def test_one_access_log_line_per_request_without_secrets(api: Client) -> None:
    user = await sign_up(api)
    request_id = f"log-{uuid.uuid4().hex}"
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await api.post(
            "/v1/auth/login",
            json={"email": user.email, "password": PASSWORD},
            headers={"X-Request-Id": request_id},
        )
        await api.get("/v1/me", headers=user.headers)
        await api.get("/v1/nowhere?token=secret")
    lines = [entry for entry in logs if entry["event"] == "request"]
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("POST", "/v1/auth/login", 200),
        ("GET", "/v1/me", 200),
        ("GET", "/v1/nowhere", 404),
    ]
    assert lines[0]["request_id"] == request_id
    assert all(e["request_id"] and e["duration_ms"] >= 0 for e in lines)
    assert lines[1]["user_id"] == user.user_id
    everything = repr(logs)
    for secret in (PASSWORD, user.access_token, user.refresh_token, "Bearer", "secret"):
        assert secret not in everything
