"""Verifying Cognito access tokens: the signature against the pool's JWKS, then the claims.

    verifier = AccessTokenVerifier(JwksCache(http, jwks_url), issuer=..., client_id=...)
    claims = await verifier.verify(token)          # raises InvalidToken / ExpiredToken

A signature only proves that Cognito issued the token, not that it is still wanted: a token
used after a logout must be refused too. `AccessTokens` adds that revocation check (see there).

PyJWT is imported where a key is read or a token checked, not with the module: every process
wires a verifier (`bootstrap.wire`) but only the ingress uses one, and PyJWT brings
`cryptography` (~9 MiB resident) into a worker that never needs it (issue 14, item 6).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
import structlog

from videoshare.domain.errors import ExpiredToken, InvalidToken, RevokedToken
from videoshare.usecases.ports import AccessClaims

if TYPE_CHECKING:
    import jwt

log = structlog.get_logger("tokens")

ALGORITHM = "RS256"
# Clock skew tolerated on `exp` and `iat`, in seconds.
LEEWAY_S = 10
# An unknown `kid` refetches the JWKS at most once per this many seconds (key rotation).
JWKS_REFETCH_MIN_S = 60.0
JWKS_TIMEOUT_S = 5.0
# How long a token that Cognito confirmed as live is trusted before asking again (see
# `AccessTokens`); also how late another process may learn of a logout.
SESSION_RECHECK_S = 30.0
_MAX_TRACKED = 10_000
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub", "token_use", "client_id", "jti"]


class JwksUnavailable(Exception):
    """The pool's JWKS could not be fetched, so no token can be checked right now."""


class JwksCache:
    """The pool's signing keys by `kid`, fetched with aiohttp and refetched on an unknown `kid`
    at most once per `min_refetch_s`."""

    def __init__(
        self,
        http: aiohttp.ClientSession | None,
        url: str,
        *,
        min_refetch_s: float = JWKS_REFETCH_MIN_S,
        timeout_s: float = JWKS_TIMEOUT_S,
    ) -> None:
        self._http = http
        self._url = url
        self._min_refetch_s = min_refetch_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """The key with `kid`, or None when the pool has no such key."""
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            recently = (
                self._fetched_at is not None
                and time.monotonic() - self._fetched_at < self._min_refetch_s
            )
            if kid not in self._keys and not recently:
                self._keys = await self._fetch()
                self._fetched_at = time.monotonic()
        return self._keys.get(kid)

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        try:
            if self._http is not None:
                document = await self._get(self._http)
            else:  # a process that verifies no tokens of its own opens no session for them
                async with aiohttp.ClientSession() as http:
                    document = await self._get(http)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("jwks_fetch_failed", url=self._url, error=str(exc))
            raise JwksUnavailable(f"the signing keys at {self._url} could not be fetched") from exc
        import jwt  # here, not at the top: see the module's docstring

        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" or "kid" not in entry:
                continue
            try:
                keys[str(entry["kid"])] = jwt.PyJWK.from_dict(entry, algorithm=ALGORITHM)
            except jwt.PyJWTError:
                continue
        log.info("jwks_fetched", url=self._url, keys=sorted(keys))
        return keys

    async def _get(self, http: aiohttp.ClientSession) -> object:
        async with http.get(self._url, timeout=self._timeout) as response:
            response.raise_for_status()
            return await response.json(content_type=None)


class AccessTokenVerifier:
    """Signature (RS256 with a key of the pool), `iss`, `client_id`, `token_use`, `exp`."""

    def __init__(self, jwks: JwksCache, *, issuer: str, client_id: str) -> None:
        self._jwks = jwks
        self._issuer = issuer
        self._client_id = client_id

    async def verify(self, token: str) -> AccessClaims:
        import jwt  # here, not at the top: see the module's docstring

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("not a JWT") from exc
        if header.get("alg") != ALGORITHM:  # `none`, HS256 and friends never get further
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("no key id")
        key = await self._jwks.key(kid)
        if key is None:
            raise InvalidToken("unknown key id")
        claims = self._decode(token, key)
        if claims.get("token_use") != "access":
            raise InvalidToken("not an access token")
        if claims.get("client_id") != self._client_id:
            raise InvalidToken("issued to another app client")
        return AccessClaims(
            sub=str(claims["sub"]),
            jti=str(claims["jti"]),
            origin_jti=_optional_str(claims.get("origin_jti")),
            exp=int(claims["exp"]),
            username=_optional_str(claims.get("username")),
        )

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        import jwt

        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                leeway=LEEWAY_S,
                options={"require": _REQUIRED_CLAIMS, "verify_aud": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ExpiredToken("expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from exc


# Asks Cognito whether an access token still works (GetUser); True: it does.
SessionProbe = Callable[[str], Awaitable[bool]]


class UserRevocations(Protocol):
    """Accounts whose every token is refused (`adapters/revocations.RevokedUsers`)."""

    async def add(self, sub: str) -> None: ...

    async def contains(self, sub: str) -> bool: ...


class AccessTokens:
    """Verification plus revocation (the `SessionTokens` port): what the ingress asks before it
    trusts a bearer.

    Cognito is the authority on logouts (GetUser refuses a token after GlobalSignOut), but asking
    it on every request costs a round trip and Cognito's request quota. So:
    - a logout through this process revokes the token's session (`origin_jti`) here at once, and
      forgets every recent confirmation of that user's tokens, so they are checked again;
    - any other token is confirmed with Cognito, and that answer is trusted for
      `SESSION_RECHECK_S` seconds. A logout through another ingress process is therefore
      honoured here within that time;
    - a deleted account's tokens are refused at once everywhere: while a confirmation is
      trusted, the shared list of revoked accounts (`users`) is asked too, which is cheap
      (a read by key at most once a second per user; `adapters/revocations.py`).
    """

    def __init__(
        self,
        verifier: AccessTokenVerifier,
        probe: SessionProbe,
        *,
        users: UserRevocations | None = None,
        recheck_s: float = SESSION_RECHECK_S,
    ) -> None:
        self._verifier = verifier
        self._probe = probe
        self._users = users
        self._recheck_s = recheck_s
        self._revoked: dict[str, float] = {}  # origin_jti or jti → token expiry (epoch s)
        self._confirmed: dict[str, tuple[str, float]] = {}  # jti → (sub, monotonic time)

    async def verify(self, token: str) -> AccessClaims:
        claims = await self._verifier.verify(token)
        if _session_of(claims) in self._revoked or claims.jti in self._revoked:
            raise RevokedToken("logged out")
        confirmed = self._confirmed.get(claims.jti)
        if confirmed and time.monotonic() - confirmed[1] < self._recheck_s:
            if self._users is not None and await self._users.contains(claims.sub):
                self.revoke(claims)
                raise RevokedToken("the account was deleted")
            return claims
        if not await self._probe(token):
            self.revoke(claims)
            raise RevokedToken("Cognito refuses it")
        self._remember(self._confirmed, claims.jti, (claims.sub, time.monotonic()))
        return claims

    def revoke(self, claims: AccessClaims) -> None:
        """Refuse the session of `claims` from now on, and re-ask about that user's others."""
        self._remember(self._revoked, _session_of(claims), float(claims.exp))
        for jti, (sub, _) in list(self._confirmed.items()):
            if sub == claims.sub:
                del self._confirmed[jti]

    async def revoke_user(self, claims: AccessClaims) -> None:
        """Refuse every token of the user of `claims`, here and on every other process."""
        self.revoke(claims)
        if self._users is not None:
            await self._users.add(claims.sub)

    def _remember(self, table: dict[str, Any], key: str, value: Any) -> None:
        table.pop(key, None)
        table[key] = value
        if len(table) > _MAX_TRACKED:
            self._forget_old()
            while len(table) > _MAX_TRACKED:
                del table[next(iter(table))]

    def _forget_old(self) -> None:
        now_epoch, now = time.time(), time.monotonic()
        for key, exp in list(self._revoked.items()):
            if exp + LEEWAY_S < now_epoch:  # expired tokens fail verification anyway
                del self._revoked[key]
        for key, (_, at) in list(self._confirmed.items()):
            if now - at >= self._recheck_s:
                del self._confirmed[key]


def _session_of(claims: AccessClaims) -> str:
    return claims.origin_jti or claims.jti


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
