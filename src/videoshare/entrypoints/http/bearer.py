"""Who is calling: the `Authorization: Bearer <access token>` header, verified.

user = await require_user(request)     # 401 problem unless a valid, live access token
user = await optional_user(request)    # None without the header; a bad token is still 401
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.middleware.access_log import USER_ID
from videoshare.entrypoints.problem_json import unauthenticated
from videoshare.usecases.ports import AccessClaims

# RFC 6750 b64token, and a generous cap on its length.
_BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]{1,8192}=*) *$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    access_token: str
    claims: AccessClaims


async def require_user(request: web.Request) -> Principal:
    header = request.headers.get("Authorization")
    if header is None:
        raise unauthenticated(
            "unauthenticated",
            "Authentication required",
            "This call needs `Authorization: Bearer <access token>`; POST /v1/auth/login "
            "gives you one.",
        )
    match = _BEARER.match(header)
    if match is None:
        raise unauthenticated(
            "invalid-token",
            "Access token not valid",
            "The Authorization header must be `Bearer <access token>`.",
            "invalid_request",
        )
    token = match[1]
    claims = await dependencies(request).tokens.verify(token)
    request[USER_ID] = claims.sub
    return Principal(claims.sub, token, claims)


async def optional_user(request: web.Request) -> Principal | None:
    if "Authorization" not in request.headers:
        return None
    return await require_user(request)
