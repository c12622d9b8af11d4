"""Accounts and sessions: register, confirm (and send the code again), log in (within the
brute-force limits), refresh, log out, the caller's own account (`GET /v1/me`), passwords
(forgotten: a code, then a new one; changed while logged in) and deleting the account.

The user pool does the work (the `IdentityProvider` port); its refusals are the identity errors
of `domain.errors`. A login is refused while the account or the address is locked out
(`usecases/limits.py`); only a wrong password or an unknown account counts as a failure.
A password asked again to confirm a change (a new password, deleting the account) counts
against the same limits, so a stolen session cannot be used to guess it.

Deleting an account, here: the password checked, every token of the person refused at once
(on every ingress process), their sessions ended and the user disabled (no new login), then
`account.deleted` published;
housekeeping removes the rest (`usecases/account_removal.py`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from videoshare.domain.errors import BadCredentials, WrongPassword
from videoshare.domain.events import account_deleted
from videoshare.usecases.limits import (
    LimitPorts,
    check_login_allowed,
    record_login_failure,
    record_login_success,
)
from videoshare.usecases.ports import (
    AccessClaims,
    EventPublisher,
    IdentityProvider,
    Registration,
    SessionTokens,
    Tokens,
    VideoStore,
)
from videoshare.usecases.usage import Usage, usage_of


class AccountPorts(LimitPorts, Protocol):
    @property
    def identity(self) -> IdentityProvider: ...
    @property
    def tokens(self) -> SessionTokens: ...
    @property
    def videos(self) -> VideoStore: ...
    @property
    def publisher(self) -> EventPublisher: ...


PRODUCER = "ingress"


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
    """Tokens for a right password; `TooManyRequests` while locked out (even then)."""
    await check_login_allowed(ports, email, address, now)
    try:
        tokens = await ports.identity.login(email, password)
    except BadCredentials:
        await record_login_failure(ports, email, address, now)
        raise
    await record_login_success(ports, email, address, now)
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


async def resend_code(ports: AccountPorts, email: str) -> None:
    await ports.identity.resend_code(email)


async def forgot_password(ports: AccountPorts, email: str) -> str | None:
    """A reset code sent to `email`; the code itself only where the pool hands it out
    (local mode), else None. An unknown address is answered alike."""
    return await ports.identity.forgot_password(email)


async def reset_password(ports: AccountPorts, email: str, code: str, password: str) -> None:
    await ports.identity.reset_password(email, code, password)


async def change_password(
    ports: AccountPorts,
    access_token: str,
    current: str,
    password: str,
    address: str,
    now: float,
) -> None:
    """A new password for the logged-in caller; `WrongPassword` unless `current` is right."""
    email = await _email_of(ports, access_token)
    await check_login_allowed(ports, email, address, now)
    try:
        await ports.identity.change_password(access_token, current, password)
    except WrongPassword:
        await record_login_failure(ports, email, address, now)
        raise


async def delete_account(
    ports: AccountPorts,
    access_token: str,
    claims: AccessClaims,
    password: str,
    address: str,
    now: float,
    correlation_id: str,
) -> None:
    """Check the password, refuse every token of the caller at once, end their sessions,
    and publish `account.deleted` (the workers remove the rest, the user itself last)."""
    email = await _email_of(ports, access_token)
    await check_login_allowed(ports, email, address, now)
    try:
        await ports.identity.login(email, password)
    except BadCredentials:
        await record_login_failure(ports, email, address, now)
        raise WrongPassword() from None
    await ports.tokens.revoke_user(claims)
    await ports.identity.logout(access_token)  # every refresh token of theirs ends
    username = claims.username or email
    await ports.identity.disable_user(username)  # no new login until the user is deleted
    await ports.publisher.publish(
        account_deleted(
            claims.sub, username, email, correlation_id=correlation_id, producer=PRODUCER
        )
    )


async def _email_of(ports: AccountPorts, access_token: str) -> str:
    email = (await ports.identity.profile(access_token)).email
    if not email:  # every account registers with an address; a token without one is odd
        raise WrongPassword("the account has no e-mail address to log in with")
    return email
