"""Routes of `/v1/auth/*` and `/v1/me` (`usecases/accounts.py`): thin, the user pool does the
work. The calls that take a password again (a new password, deleting the account) count a
wrong one against the login limits of the caller's address and account."""

from __future__ import annotations

import time

from aiohttp import web

from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.client_address import request_client_address
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.middleware.request_id import request_id
from videoshare.entrypoints.http.replies import NO_STORE, json_reply, no_content
from videoshare.entrypoints.http.schemas import (
    ChangePasswordIn,
    ConfirmIn,
    DeleteAccountIn,
    EmailIn,
    LoginIn,
    MeOut,
    PasswordResetOut,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    ResetPasswordIn,
    TokensOut,
    UsageOut,
)
from videoshare.entrypoints.http.validation import parse_body
from videoshare.usecases import accounts
from videoshare.usecases.ports import Tokens

routes = web.RouteTableDef()


@routes.post("/v1/auth/register")
async def register(request: web.Request) -> web.Response:
    body = await parse_body(request, RegisterIn)
    done = await accounts.register(
        dependencies(request), body.email, body.password, body.display_name
    )
    out = RegisteredOut(user_id=done.user_id, email=done.email, confirmed=done.confirmed)
    return json_reply(out, status=201)


@routes.post("/v1/auth/confirm")
async def confirm(request: web.Request) -> web.Response:
    body = await parse_body(request, ConfirmIn)
    await accounts.confirm(dependencies(request), body.email, body.code)
    return no_content()


@routes.post("/v1/auth/resend-code")
async def resend_code(request: web.Request) -> web.Response:
    body = await parse_body(request, EmailIn)
    await accounts.resend_code(dependencies(request), body.email)
    return web.Response(status=202)


@routes.post("/v1/auth/password/forgot")
async def forgot_password(request: web.Request) -> web.Response:
    body = await parse_body(request, EmailIn)
    code = await accounts.forgot_password(dependencies(request), body.email)
    return json_reply(PasswordResetOut(sent=True, code=code), status=202, headers=NO_STORE)


@routes.post("/v1/auth/password/reset")
async def reset_password(request: web.Request) -> web.Response:
    body = await parse_body(request, ResetPasswordIn)
    await accounts.reset_password(dependencies(request), body.email, body.code, body.password)
    return no_content()


@routes.post("/v1/me/password")
async def change_password(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, ChangePasswordIn)
    svc = dependencies(request)
    address = request_client_address(request, svc.settings)
    await accounts.change_password(
        svc, user.access_token, body.current_password, body.password, address, time.time()
    )
    return no_content()


@routes.delete("/v1/me")
async def delete_me(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, DeleteAccountIn)
    svc = dependencies(request)
    address = request_client_address(request, svc.settings)
    await accounts.delete_account(
        svc,
        user.access_token,
        user.claims,
        body.password,
        address,
        time.time(),
        request_id(request),
    )
    return web.Response(status=202)


@routes.post("/v1/auth/login")
async def login(request: web.Request) -> web.Response:
    body = await parse_body(request, LoginIn)
    svc = dependencies(request)
    address = request_client_address(request, svc.settings)
    tokens = await accounts.login(svc, body.email, body.password, address, time.time())
    return _tokens_reply(tokens)


@routes.post("/v1/auth/refresh")
async def refresh(request: web.Request) -> web.Response:
    body = await parse_body(request, RefreshIn)
    return _tokens_reply(await accounts.refresh(dependencies(request), body.refresh_token))


@routes.post("/v1/auth/logout")
async def logout(request: web.Request) -> web.Response:
    user = await require_user(request)
    await accounts.logout(dependencies(request), user.access_token, user.claims)
    return no_content()


@routes.get("/v1/me")
async def me(request: web.Request) -> web.Response:
    user = await require_user(request)
    account = await accounts.account_of(dependencies(request), user.user_id, user.access_token)
    out = MeOut(
        user_id=account.user_id,
        email=account.email,
        display_name=account.display_name,
        usage=UsageOut(videos=account.usage.videos, bytes=account.usage.bytes),
    )
    return json_reply(out, headers=NO_STORE)


def _tokens_reply(tokens: Tokens) -> web.Response:
    out = TokensOut(
        access_token=tokens.access_token,
        id_token=tokens.id_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        token_type=tokens.token_type,
    )
    return json_reply(out, headers=NO_STORE)
