"""`IdentityProvider` and `SessionTokens` in memory: accounts, sessions and the tokens of each,
with the user pool's refusals (the identity and token errors of `domain.errors`).

The tokens are opaque strings only `FakeSessionTokens` (built on the same `FakeIdentity`)
knows how to verify; a logout ends every session of the user, as Cognito's global sign-out does.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

from videoshare.domain.errors import (
    AlreadyConfirmed,
    BadConfirmationCode,
    BadCredentials,
    EmailTaken,
    InvalidToken,
    NotConfirmed,
    RevokedToken,
    SessionEnded,
    WeakPassword,
    WrongPassword,
)
from videoshare.usecases.ports import AccessClaims, Profile, Registration, Tokens

# The pool's policy as provisioned (`infra/shapes.password_policy`), as the adapter says it.
PASSWORD_RULE = "A password needs at least 8 characters, a lowercase letter and a number."
TOKEN_LIFETIME_S = 3600


@dataclass
class _Account:
    user_id: str
    email: str
    password: str
    display_name: str | None
    confirmed: bool
    code: str
    reset_code: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class _Session:
    id: str
    user_id: str


class FakeIdentity:
    def __init__(self, *, auto_confirm: bool = True) -> None:
        self.auto_confirm = auto_confirm
        self.accounts: dict[str, _Account] = {}
        self.access: dict[str, tuple[_Session, AccessClaims]] = {}
        self.refresh_tokens: dict[str, _Session] = {}
        self.ended: set[str] = set()  # sessions ended by a logout

    async def register(self, email: str, password: str, display_name: str | None) -> Registration:
        if email in self.accounts:
            raise EmailTaken("User already exists")
        _check_policy(password)
        account = _Account(
            str(uuid.uuid4()), email, password, display_name, self.auto_confirm, "123456"
        )
        self.accounts[email] = account
        return Registration(account.user_id, email, account.confirmed)

    async def confirm(self, email: str, code: str) -> None:
        account = self.accounts.get(email)
        if account is None or code != account.code:
            raise BadConfirmationCode("Invalid code provided, please request a code again.")
        if account.confirmed:
            raise AlreadyConfirmed("User cannot be confirmed. Current status is CONFIRMED")
        account.confirmed = True

    async def login(self, email: str, password: str) -> Tokens:
        account = self.accounts.get(email)
        if account is None or account.password != password or not account.enabled:
            raise BadCredentials()
        if not account.confirmed:
            raise NotConfirmed("User is not confirmed.")
        session = _Session(uuid.uuid4().hex, account.user_id)
        refresh_token = f"refresh-{uuid.uuid4().hex}"
        self.refresh_tokens[refresh_token] = session
        return self._tokens(session, refresh_token)

    async def refresh(self, refresh_token: str) -> Tokens:
        session = self.refresh_tokens.get(refresh_token)
        if session is None or session.id in self.ended:
            raise SessionEnded("Refresh Token has been revoked")
        return self._tokens(session, refresh_token)

    async def logout(self, access_token: str) -> None:
        session = self._live(access_token)
        self.ended.update(s.id for s, _ in self.access.values() if s.user_id == session.user_id)

    async def profile(self, access_token: str) -> Profile:
        session = self._live(access_token)
        account = next(a for a in self.accounts.values() if a.user_id == session.user_id)
        return Profile(account.user_id, account.email, account.display_name)

    async def resend_code(self, email: str) -> None:
        account = self.accounts.get(email)
        if account is not None and account.confirmed:
            raise AlreadyConfirmed("User is already confirmed.")

    async def forgot_password(self, email: str) -> str | None:
        """The code is handed back, as the local emulator does."""
        account = self.accounts.get(email)
        if account is None:
            return None
        account.reset_code = uuid.uuid4().hex[:6]
        return account.reset_code

    async def reset_password(self, email: str, code: str, password: str) -> None:
        account = self.accounts.get(email)
        if account is None or account.reset_code is None or code != account.reset_code:
            raise BadConfirmationCode("Invalid code provided, please request a code again.")
        _check_policy(password)
        account.password, account.reset_code = password, None

    async def change_password(self, access_token: str, current: str, password: str) -> None:
        session = self._live(access_token)
        account = self._account_of(session.user_id)
        if account.password != current:
            raise WrongPassword("Incorrect username or password.")
        _check_policy(password)
        account.password = password

    async def disable_user(self, username: str) -> None:
        account = next((a for a in self.accounts.values() if a.user_id == username), None)
        if account is not None:
            account.enabled = False
            self.ended.update(s.id for s, _ in self.access.values() if s.user_id == username)

    async def delete_user(self, username: str) -> None:
        account = next((a for a in self.accounts.values() if a.user_id == username), None)
        if account is not None:
            del self.accounts[account.email]
            self.ended.update(s.id for s, _ in self.access.values() if s.user_id == username)

    def _account_of(self, user_id: str) -> _Account:
        return next(a for a in self.accounts.values() if a.user_id == user_id)

    def _live(self, access_token: str) -> _Session:
        found = self.access.get(access_token)
        if found is None or found[0].id in self.ended:
            raise SessionEnded("Access Token has been revoked")
        return found[0]

    def _tokens(self, session: _Session, refresh_token: str) -> Tokens:
        access_token = f"access-{uuid.uuid4().hex}"
        claims = AccessClaims(
            sub=session.user_id,
            jti=uuid.uuid4().hex,
            origin_jti=session.id,
            exp=int(time.time()) + TOKEN_LIFETIME_S,
            username=session.user_id,
        )
        self.access[access_token] = (session, claims)
        return Tokens(access_token, f"id-{uuid.uuid4().hex}", refresh_token, TOKEN_LIFETIME_S)


def _check_policy(password: str) -> None:
    if len(password) < 8 or not re.search("[a-z]", password) or not re.search("[0-9]", password):
        raise WeakPassword("Password did not conform with policy", PASSWORD_RULE)


class FakeSessionTokens:
    """Verifies the access tokens of `identity`; a revoked or logged-out session is refused."""

    def __init__(self, identity: FakeIdentity) -> None:
        self.identity = identity
        self.revoked: set[str] = set()
        self.revoked_users: set[str] = set()

    async def verify(self, token: str) -> AccessClaims:
        found = self.identity.access.get(token)
        if found is None:
            raise InvalidToken("not a JWT")
        session, claims = found
        if session.id in self.revoked or claims.sub in self.revoked_users:
            raise RevokedToken("logged out")
        if session.id in self.identity.ended:
            raise RevokedToken("Cognito refuses it")
        return claims

    def revoke(self, claims: AccessClaims) -> None:
        self.revoked.add(claims.origin_jti or claims.jti)

    async def revoke_user(self, claims: AccessClaims) -> None:
        self.revoke(claims)
        self.revoked_users.add(claims.sub)
