"""Accounts and sessions: register, confirm, log in (within the brute-force limits), refresh,
log out, and the caller's own account (`GET /v1/me`).

The user pool does the work (the `IdentityProvider` port); its refusals are the identity errors
of `domain.errors`. A login waits longer after each failure in a row of the account from the
caller's address, and is refused while the address has failed too often (`usecases/limits.py`);
a wrong password or an unknown account is a failure, a right one (even unconfirmed) is not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from videoshare.domain.errors import BadCredentials, NotConfirmed
from videoshare.usecases.limits import (
    LoginLimitPorts,
    begin_login,
    record_login_failure,
    record_login_success,
)
from videoshare.usecases.ports import (
    AccessClaims,
    IdentityProvider,
    Registration,
    SessionTokens,
    Tokens,
    VideoStore,
)
from videoshare.usecases.usage import Usage, usage_of


class AccountPorts(LoginLimitPorts, Protocol):
    @property
    def identity(self) -> IdentityProvider: ...
    @property
    def tokens(self) -> SessionTokens: ...
    @property
    def videos(self) -> VideoStore: ...


@dataclass(frozen=True, slots=True)
class Account:
    user_id: str
    email: str | None
    display_name: str | None
    usage: Usage


async def register(
    ports: AccountPorts, email: str, password: str, display_name: str | None
) -> Registration:
    return await ports.identity.register(email, password, display_name)


async def confirm(ports: AccountPorts, email: str, code: str) -> None:
    await ports.identity.confirm(email, code)


async def login(ports: AccountPorts, email: str, password: str, address: str, now: float) -> Tokens:
    """Tokens for a right password; `TooManyRequests` while the caller must wait (even for a
    right password: the wait is what makes guessing slow)."""
    await begin_login(ports, email, address, now)
    try:
        tokens = await ports.identity.login(email, password)
    except BadCredentials:
        await record_login_failure(ports, address, now)
        raise
    except NotConfirmed:  # the right password, an account not yet confirmed
        await record_login_success(ports, email, address)
        raise
    await record_login_success(ports, email, address)
    return tokens


async def refresh(ports: AccountPorts, refresh_token: str) -> Tokens:
    return await ports.identity.refresh(refresh_token)


async def logout(ports: AccountPorts, access_token: str, claims: AccessClaims) -> None:
    """End the user's sessions everywhere, and refuse this token here at once."""
    await ports.identity.logout(access_token)
    ports.tokens.revoke(claims)


async def display_name_of(ports: AccountPorts, access_token: str) -> str | None:
    """The display name the caller gave themselves (None: they gave none)."""
    return (await ports.identity.profile(access_token)).display_name


async def account_of(ports: AccountPorts, user_id: str, access_token: str) -> Account:
    profile, usage = await asyncio.gather(
        ports.identity.profile(access_token), usage_of(ports.videos, user_id)
    )
    return Account(user_id, profile.email, profile.display_name, usage)
