"""Routes of `/v1/auth/*` and `/v1/me`: thin, the user pool does the work."""

from __future__ import annotations

import asyncio

from aiohttp import web

from videoshare.adapters.cognito import BadCredentials, Tokens
from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.limits import (
    check_login_allowed,
    record_login_failure,
    record_login_success,
)
from videoshare.entrypoints.http.replies import NO_STORE, json_reply, no_content
from videoshare.entrypoints.http.schemas import (
    ConfirmIn,
    LoginIn,
    MeOut,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    TokensOut,
)
from videoshare.entrypoints.http.validation import parse_body
from videoshare.usecases.videos import usage_of

routes = web.RouteTableDef()


@routes.post("/v1/auth/register")
async def register(request: web.Request) -> web.Response:
    body = await parse_body(request, RegisterIn)
    done = await dependencies(request).identity.register(
        body.email, body.password, body.display_name
    )
    out = RegisteredOut(user_id=done.user_id, email=done.email, confirmed=done.confirmed)
    return json_reply(out, status=201)


@routes.post("/v1/auth/confirm")
async def confirm(request: web.Request) -> web.Response:
    body = await parse_body(request, ConfirmIn)
    await dependencies(request).identity.confirm(body.email, body.code)
    return no_content()


@routes.post("/v1/auth/login")
async def login(request: web.Request) -> web.Response:
    body = await parse_body(request, LoginIn)
    await check_login_allowed(request, body.email)
    try:
        tokens = await dependencies(request).identity.login(body.email, body.password)
    except BadCredentials:
        await record_login_failure(request, body.email)
        raise
    await record_login_success(request, body.email)
    return _tokens_reply(tokens)


@routes.post("/v1/auth/refresh")
async def refresh(request: web.Request) -> web.Response:
    body = await parse_body(request, RefreshIn)
    tokens = await dependencies(request).identity.refresh(body.refresh_token)
    return _tokens_reply(tokens)


@routes.post("/v1/auth/logout")
async def logout(request: web.Request) -> web.Response:
    user = await require_user(request)
    svc = dependencies(request)
    await svc.identity.logout(user.access_token)
    svc.tokens.revoke(user.claims)
    return no_content()


@routes.get("/v1/me")
async def me(request: web.Request) -> web.Response:
    user = await require_user(request)
    svc = dependencies(request)
    profile, usage = await asyncio.gather(
        svc.identity.profile(user.access_token), usage_of(svc.videos, user.user_id)
    )
    out = MeOut(
        user_id=user.user_id,
        email=profile.email,
        display_name=profile.display_name,
        usage=usage,
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
