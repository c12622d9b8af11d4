"""Routes of `/v1/auth/*` and `/v1/me` (`usecases/accounts.py`): thin, the user pool does the
work."""

from __future__ import annotations

import time

from aiohttp import web

from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.client_address import request_client_address
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.replies import NO_STORE, json_reply, no_content
from videoshare.entrypoints.http.schemas import (
    ConfirmIn,
    LoginIn,
    MeOut,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
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
