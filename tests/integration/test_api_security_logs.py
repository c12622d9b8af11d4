"""Secrets never reach a log line: passwords, access/id/refresh tokens, upload signatures.

The whole flow a user goes through (register, a wrong password, login, refresh, a call with a
forged token, an upload URL, logout, a refresh after logout) runs with structlog's log capture
on and the standard library's logging recorded too (at INFO, what the processes run at: botocore
logs whole request bodies at DEBUG, which is never on in a deployment); every captured line
is then searched for every secret the flow handled.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from structlog.testing import capture_logs

from tests.integration.api_support import Client, create_video, unique_email

pytestmark = pytest.mark.integration

PASSWORD = "a secret password 7"
WRONG_PASSWORD = "not the password 8"


async def _flow(api: Client) -> list[str]:
    """Run the flow; return every secret it handled."""
    email = unique_email()
    body = {"email": email, "password": PASSWORD}
    assert (await api.post("/v1/auth/register", json=body)).status == 201
    wrong = await api.post("/v1/auth/login", json={"email": email, "password": WRONG_PASSWORD})
    assert wrong.status == 401
    tokens = await (await api.post("/v1/auth/login", json=body)).json()
    refreshed = await api.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 200
    fresh = await refreshed.json()
    forged = tokens["access_token"][:-8] + "AAAAAAAA"
    assert (await api.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})).status == 401

    class _User:
        headers = {"Authorization": f"Bearer {fresh['access_token']}"}

    created = await create_video(api, _User())  # type: ignore[arg-type]
    upload_url = created["upload"]["url"]
    signature = parse_qs(urlsplit(upload_url).query)["X-Amz-Signature"][0]
    logout = await api.post("/v1/auth/logout", headers=_User.headers)
    assert logout.status == 204
    after = await api.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert after.status == 401
    secrets = [PASSWORD, WRONG_PASSWORD, signature, upload_url, forged]
    for bundle in (tokens, fresh):
        for name in ("access_token", "id_token", "refresh_token"):
            token = bundle[name]
            # the whole token, and its signature part (a token cut in two is still a leak)
            secrets += [token, token.rsplit(".", 1)[-1][-24:]]
    return secrets


async def test_no_secret_reaches_any_log_line(
    api: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # botocore's DEBUG lines do carry request bodies
    with capture_logs() as entries:
        secrets = await _flow(api)
    assert any(e.get("event") == "request" for e in entries), "the capture saw the access log"
    lines: list[str] = [_flatten(e) for e in entries]
    lines += [r.getMessage() + repr(r.__dict__) for r in caplog.records]
    leaks = [
        (secret[:12] + "…", line[:200]) for secret in secrets for line in lines if secret in line
    ]
    assert not leaks


def _flatten(entry: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v!r}" for k, v in entry.items())
