"""Access-token verification: the app trusts only RS256 access tokens of its pool and client.

The app is pointed (through the `jwks_url` setting) at a JWKS served by a tiny server of the
test's own, which publishes the emulator's key (kid `dummy`) and a key made here (kid `test`).
A token signed with the test key and every claim right passes verification and is then refused
by Cognito, which never issued it (`token-revoked`): the control that shows each `invalid-token`
below is refused by the check it names, not by the session check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.integration.api_support import (
    Client,
    Stack,
    User,
    expect_problem,
    provisioned_stack,
    running_api,
    sign_up,
)
from videoshare.adapters.tokens import AccessTokenVerifier, JwksCache
from videoshare.domain.errors import ExpiredToken, InvalidToken
from videoshare.local.emulator import Emulator
from videoshare.tcp_ports import free_port

pytestmark = pytest.mark.integration

TEST_KID = "test"
MOTO_KID = "dummy"


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


@dataclass
class JwksServer:
    """Serves `keys` as a JWKS document and counts the fetches."""

    keys: list[dict[str, Any]]
    fetches: int = 0
    server: TestServer = field(init=False)

    async def __aenter__(self) -> str:
        app = web.Application()
        app.router.add_get("/jwks.json", self._serve)
        self.server = TestServer(app)
        await self.server.start_server()
        return str(self.server.make_url("/jwks.json"))

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()

    async def _serve(self, request: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response({"keys": self.keys})


@dataclass(frozen=True)
class Fixture:
    stack: Stack
    api: Client
    jwks: JwksServer
    test_key: rsa.RSAPrivateKey
    user: User

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        settings, resources = self.stack.settings, self.stack.resources
        claims = {
            "iss": settings.issuer_for(resources.user_pool_id),
            "sub": self.user.user_id,
            "client_id": resources.client_id,
            "token_use": "access",
            "iat": now,
            "exp": now + 600,
            "jti": str(uuid.uuid4()),
            "origin_jti": str(uuid.uuid4()),
            "username": self.user.user_id,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def signed(
        self, kid: str = TEST_KID, key: rsa.RSAPrivateKey | None = None, **claims: Any
    ) -> str:
        return jwt.encode(
            self.claims(**claims), key or self.test_key, algorithm="RS256", headers={"kid": kid}
        )


@pytest.fixture(scope="module")
async def setup(emulator: Emulator) -> AsyncIterator[Fixture]:
    async with provisioned_stack(emulator) as stack, aiohttp.ClientSession() as http:
        moto_jwks_url = stack.settings.jwks_url_for(stack.resources.user_pool_id)
        async with http.get(moto_jwks_url) as response:
            moto_keys = (await response.json())["keys"]
        test_key = _rsa_key()
        jwks = JwksServer([*moto_keys, _jwk(test_key, TEST_KID)])
        async with jwks as jwks_url:
            settings = stack.settings.model_copy(update={"jwks_url": jwks_url})
            async with running_api(settings) as api:
                yield Fixture(stack, api, jwks, test_key, await sign_up(api))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(fx: Fixture) -> str:
    header = _b64(json.dumps({"alg": "none", "kid": TEST_KID}).encode())
    return f"{header}.{_b64(json.dumps(fx.claims()).encode())}."


def _hs256_with_public_key(fx: Fixture) -> str:
    """The classic confusion: HMAC-signed with the public key's bytes as the secret."""
    secret = json.dumps(_jwk(fx.test_key, TEST_KID)).encode()
    header = _b64(json.dumps({"alg": "HS256", "kid": TEST_KID}).encode())
    payload = _b64(json.dumps(fx.claims()).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


async def _me(fx: Fixture, token: str) -> aiohttp.ClientResponse:
    return await fx.api.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


async def test_a_real_access_token_works_through_the_configured_jwks(setup: Fixture) -> None:
    response = await _me(setup, setup.user.access_token)
    assert response.status == 200
    assert (await response.json())["user_id"] == setup.user.user_id
    assert setup.jwks.fetches >= 1  # the keys came from the `jwks_url` setting


async def test_a_well_signed_token_cognito_never_issued_is_refused_by_the_session_check(
    setup: Fixture,
) -> None:
    await expect_problem(await _me(setup, setup.signed()), 401, "token-revoked")


def _tampered_signature(fx: Fixture) -> str:
    """Cognito's own token with one character of its signature changed."""
    header, payload, signature = fx.user.access_token.split(".")
    middle = len(signature) // 2
    swapped = "B" if signature[middle] != "B" else "C"
    return f"{header}.{payload}.{signature[:middle]}{swapped}{signature[middle + 1 :]}"


def _tampered_claims(fx: Fixture) -> str:
    """Cognito's own token and signature, with the claims rewritten to another user."""
    header, payload, signature = fx.user.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(uuid.uuid4())
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


TOKENS: dict[str, Callable[[Fixture], str]] = {
    "tampered signature": _tampered_signature,
    "tampered claims": _tampered_claims,
    "not valid before": lambda fx: fx.signed(nbf=int(time.time()) + 3600),
    "another key, same kid": lambda fx: fx.signed(kid=MOTO_KID, key=_rsa_key()),
    "another key, our kid": lambda fx: fx.signed(key=_rsa_key()),
    "alg none": _unsigned,
    "HS256 with the public key": _hs256_with_public_key,
    "wrong issuer": lambda fx: fx.signed(iss="https://cognito-idp.eu-west-1.amazonaws.com/x"),
    "another app client": lambda fx: fx.signed(client_id="someone-else"),
    "id token (ours)": lambda fx: fx.signed(token_use="id", client_id=None, aud="x"),
    "id token (Cognito's)": lambda fx: fx.user.id_token,
    "no jti": lambda fx: fx.signed(jti=None),
    "no exp": lambda fx: fx.signed(exp=None),
    "unknown kid": lambda fx: fx.signed(kid="rotated-away"),
    "not yet issued": lambda fx: fx.signed(iat=int(time.time()) + 3600),
}


@pytest.mark.parametrize("make", TOKENS.values(), ids=TOKENS.keys())
async def test_a_bad_token_is_401(setup: Fixture, make: Callable[[Fixture], str]) -> None:
    # The keys fetched moments ago, by a good token: this module's ingress may be new (the
    # module-scoped fixture starts again whenever xdist runs another module's tests between
    # two of this one's), and a first verification fetches the keys whatever the token.
    assert (await _me(setup, setup.user.access_token)).status == 200
    fetches = setup.jwks.fetches
    response = await _me(setup, make(setup))
    await expect_problem(response, 401, "invalid-token")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert setup.jwks.fetches == fetches  # no refetch: the keys were fetched moments ago


async def test_a_token_after_logout_is_401(setup: Fixture) -> None:
    user = await sign_up(setup.api)
    assert (await _me(setup, user.access_token)).status == 200
    assert (await setup.api.post("/v1/auth/logout", headers=user.headers)).status == 204
    await expect_problem(await _me(setup, user.access_token), 401, "token-revoked")


async def test_the_jwks_is_fetched_once_and_an_unknown_kid_does_not_refetch_at_once(
    setup: Fixture,
) -> None:
    """A fresh ingress fetches the keys on its first token and keeps them; a token with an
    unknown key id moments later is refused without asking again (refetches are rate-limited,
    so forged kids cannot make the ingress hammer the pool)."""
    jwks = JwksServer(list(setup.jwks.keys))
    async with jwks as jwks_url:
        settings = setup.stack.settings.model_copy(update={"jwks_url": jwks_url})
        async with running_api(settings) as api:
            for _ in range(3):
                me = await api.get("/v1/me", headers=setup.user.headers)
                assert me.status == 200
            assert jwks.fetches == 1
            for kid in ("rotated-1", "rotated-2", "rotated-3"):
                forged = {"Authorization": f"Bearer {setup.signed(kid=kid)}"}
                await expect_problem(await api.get("/v1/me", headers=forged), 401, "invalid-token")
            assert jwks.fetches == 1


async def test_an_expired_token_says_so(setup: Fixture) -> None:
    now = int(time.time())
    token = setup.signed(iat=now - 7200, exp=now - 3600)
    body = await expect_problem(await _me(setup, token), 401, "token-expired")
    assert "refresh" in body["detail"]


async def test_no_jwks_means_503_not_401(setup: Fixture) -> None:
    settings = setup.stack.settings.model_copy(
        update={"jwks_url": f"http://127.0.0.1:{free_port()}/jwks.json"}
    )
    async with running_api(settings) as api:
        response = await api.get("/v1/me", headers=setup.user.headers)
        await expect_problem(response, 503, "unavailable")


async def test_the_verifier_refetches_for_a_new_kid_at_most_once_per_interval() -> None:
    old, new = _rsa_key(), _rsa_key()
    jwks = JwksServer([_jwk(old, "old")])
    claims = {"iss": "iss", "sub": "s", "client_id": "c", "token_use": "access",
              "iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "j"}  # fmt: skip
    token = jwt.encode(claims, new, algorithm="RS256", headers={"kid": "new"})
    async with jwks as url, aiohttp.ClientSession() as http:
        patient = AccessTokenVerifier(JwksCache(http, url), issuer="iss", client_id="c")
        eager = AccessTokenVerifier(
            JwksCache(http, url, min_refetch_s=0), issuer="iss", client_id="c"
        )
        for verifier in (patient, eager):
            with pytest.raises(InvalidToken) as refused:
                await verifier.verify(token)
            assert refused.value.reason == "unknown key id"
        jwks.keys.append(_jwk(new, "new"))  # the pool rotates its keys

        with pytest.raises(InvalidToken) as refused:
            await patient.verify(token)  # fetched moments ago: waits before asking again
        assert refused.value.reason == "unknown key id"
        assert (await eager.verify(token)).sub == "s"
        assert jwks.fetches == 3

        expired = jwt.encode({**claims, "exp": 1}, new, algorithm="RS256", headers={"kid": "new"})
        with pytest.raises(ExpiredToken):
            await eager.verify(expired)
