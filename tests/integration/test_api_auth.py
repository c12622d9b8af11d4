"""Ingress auth against the real emulator's Cognito: register, login, me, refresh, logout."""

from __future__ import annotations

import pytest

from tests.integration.api_support import (
    PASSWORD,
    Client,
    Stack,
    expect_problem,
    running_api,
    sign_up,
    unique_email,
)

pytestmark = pytest.mark.integration


async def test_register_login_me(api: Client) -> None:
    email = unique_email()
    registered = await api.post(
        "/v1/auth/register",
        json={"email": email.upper(), "password": PASSWORD, "display_name": " Ann "},
    )
    assert registered.status == 201
    body = await registered.json()
    assert set(body) == {"user_id", "email", "confirmed"}
    assert body["email"] == email  # addresses are kept lowercase
    assert body["confirmed"] is True  # local mode confirms at once

    login = await api.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status == 200
    assert login.headers["Cache-Control"] == "no-store"
    tokens = await login.json()
    assert set(tokens) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] > 0

    me = await api.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status == 200
    assert await me.json() == {
        "user_id": body["user_id"],
        "email": email,
        "display_name": "Ann",
        "usage": {"videos": 0, "bytes": 0},
    }

    confirm = await api.post("/v1/auth/confirm", json={"email": email, "code": "123456"})
    assert confirm.status == 204  # the emulator takes any code


async def test_duplicate_registration_is_409(api: Client) -> None:
    user = await sign_up(api)
    again = await api.post("/v1/auth/register", json={"email": user.email, "password": PASSWORD})
    body = await expect_problem(again, 409, "email-taken")
    assert "log in" in body["detail"]


async def test_weak_password_is_422_with_the_pool_rule(api: Client) -> None:
    response = await api.post(
        "/v1/auth/register", json={"email": unique_email(), "password": "nodigits"}
    )
    body = await expect_problem(response, 422, "weak-password")
    # The provisioned policy: 8 characters, a lowercase letter and a number.
    assert "at least 8 characters" in body["detail"]
    assert "a number" in body["detail"]
    assert body["errors"][0]["pointer"] == "#/password"


async def test_wrong_password_and_unknown_user_get_the_same_401(api: Client) -> None:
    user = await sign_up(api)
    wrong = await api.post("/v1/auth/login", json={"email": user.email, "password": "Wrong 1234"})
    unknown = await api.post("/v1/auth/login", json={"email": unique_email(), "password": PASSWORD})
    wrong_body = await expect_problem(wrong, 401, "bad-credentials")
    unknown_body = await expect_problem(unknown, 401, "bad-credentials")
    assert wrong_body == unknown_body
    assert wrong.headers["X-Request-Id"] != unknown.headers["X-Request-Id"]


async def test_refresh_gives_a_working_access_token(api: Client) -> None:
    user = await sign_up(api)
    refreshed = await api.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refreshed.status == 200
    tokens = await refreshed.json()
    assert set(tokens) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    assert tokens["refresh_token"] == user.refresh_token
    assert tokens["access_token"] != user.access_token
    me = await api.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status == 200
    assert (await me.json())["user_id"] == user.user_id


async def test_logout_ends_refresh_and_access(api: Client, stack: Stack) -> None:
    user = await sign_up(api)
    assert (await api.get("/v1/me", headers=user.headers)).status == 200  # confirmed, cached

    assert (await api.post("/v1/auth/logout", headers=user.headers)).status == 204

    refresh = await api.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    await expect_problem(refresh, 401, "session-ended")
    await expect_problem(await api.get("/v1/me", headers=user.headers), 401, "token-revoked")
    # Another ingress process, which never saw the logout, asks Cognito and refuses it too.
    async with running_api(stack.settings) as other:
        await expect_problem(await other.get("/v1/me", headers=user.headers), 401, "token-revoked")


async def test_auth_calls_need_a_bearer_token(api: Client) -> None:
    for method, path in (("GET", "/v1/me"), ("POST", "/v1/auth/logout")):
        response = await api.request(method, path)
        await expect_problem(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
