"""`IdentityProvider` and `SessionTokens`: `FakeIdentity`/`FakeSessionTokens` and
`adapters.cognito.CognitoIdentity`/`adapters.tokens.AccessTokens` (Cognito on the emulator,
its tokens checked against its signing keys) answer alike."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from tests.contract.conftest import Emulated, where_the_emulator_differs
from tests.fakes.identity import PASSWORD_RULE, FakeIdentity, FakeSessionTokens
from videoshare.adapters.cognito import CognitoIdentity
from videoshare.adapters.tokens import AccessTokens, AccessTokenVerifier, JwksCache
from videoshare.domain.errors import (
    AlreadyConfirmed,
    BadConfirmationCode,
    BadCredentials,
    EmailTaken,
    InvalidToken,
    RevokedToken,
    SessionEnded,
    WeakPassword,
    WrongPassword,
)
from videoshare.infra.provision import provision_user_pool
from videoshare.infra.topology import topology
from videoshare.usecases.ports import IdentityProvider, SessionTokens

PASSWORD = "correct horse 42"


@dataclass(frozen=True)
class Accounts:
    identity: IdentityProvider
    tokens: SessionTokens


@pytest.fixture
async def accounts(backend: Emulated | None) -> Accounts:
    if backend is None:
        identity = FakeIdentity()
        return Accounts(identity, FakeSessionTokens(identity))
    settings = backend.settings.model_copy(
        update={"stack": f"{backend.settings.stack}-{uuid.uuid4().hex[:6]}"}
    )
    pool_id, client_id = await provision_user_pool(backend.aws, settings, topology(settings))
    cognito = CognitoIdentity(
        backend.aws.cognito, user_pool_id=pool_id, client_id=client_id, auto_confirm=True
    )
    verifier = AccessTokenVerifier(
        JwksCache(None, settings.jwks_url_for(pool_id)),
        issuer=settings.issuer_for(pool_id),
        client_id=client_id,
    )
    return Accounts(cognito, AccessTokens(verifier, cognito.session_alive))


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def test_a_registered_user_logs_in_and_the_token_names_them(accounts: Accounts) -> None:
    email = _email()
    done = await accounts.identity.register(email, PASSWORD, "Ann")
    assert (done.email, done.confirmed) == (email, True)
    tokens = await accounts.identity.login(email, PASSWORD)
    assert (tokens.token_type, tokens.expires_in > 0) == ("Bearer", True)
    assert tokens.refresh_token
    claims = await accounts.tokens.verify(tokens.access_token)
    assert claims.sub == done.user_id
    profile = await accounts.identity.profile(tokens.access_token)
    assert (profile.user_id, profile.email, profile.display_name) == (done.user_id, email, "Ann")


async def test_an_address_registers_once_with_a_password_the_policy_takes(
    accounts: Accounts,
) -> None:
    email = _email()
    await accounts.identity.register(email, PASSWORD, None)
    with pytest.raises(EmailTaken):
        await accounts.identity.register(email, PASSWORD, None)
    with pytest.raises(WeakPassword) as weak:
        await accounts.identity.register(_email(), "short", None)
    assert weak.value.rule == PASSWORD_RULE


async def test_a_wrong_password_and_an_unknown_address_are_the_same_refusal(
    accounts: Accounts,
) -> None:
    email = _email()
    await accounts.identity.register(email, PASSWORD, None)
    for who, password in ((email, "wrong password 1"), (_email(), PASSWORD)):
        with pytest.raises(BadCredentials) as refused:
            await accounts.identity.login(who, password)
        assert refused.value.detail == "The e-mail address or the password is not right."


async def test_confirming_an_unknown_address_is_refused(accounts: Accounts) -> None:
    with pytest.raises(BadConfirmationCode):
        await accounts.identity.confirm(_email(), "123456")


@where_the_emulator_differs("moto confirms a confirmed user again (Cognito: NotAuthorized)")
async def test_confirming_a_confirmed_address_is_refused(accounts: Accounts) -> None:
    email = _email()
    await accounts.identity.register(email, PASSWORD, None)  # confirmed at once, locally
    with pytest.raises(AlreadyConfirmed):
        await accounts.identity.confirm(email, "123456")


async def test_a_refresh_gives_a_new_access_token_on_the_same_refresh_token(
    accounts: Accounts,
) -> None:
    email = _email()
    done = await accounts.identity.register(email, PASSWORD, None)
    tokens = await accounts.identity.login(email, PASSWORD)
    renewed = await accounts.identity.refresh(tokens.refresh_token)
    assert renewed.refresh_token == tokens.refresh_token
    assert (await accounts.tokens.verify(renewed.access_token)).sub == done.user_id


async def test_a_logout_ends_the_session_everywhere(accounts: Accounts) -> None:
    email = _email()
    await accounts.identity.register(email, PASSWORD, None)
    tokens = await accounts.identity.login(email, PASSWORD)
    claims = await accounts.tokens.verify(tokens.access_token)
    await accounts.identity.logout(tokens.access_token)
    with pytest.raises(SessionEnded):
        await accounts.identity.refresh(tokens.refresh_token)
    with pytest.raises(SessionEnded):
        await accounts.identity.profile(tokens.access_token)
    with pytest.raises(SessionEnded):
        await accounts.identity.logout(tokens.access_token)
    accounts.tokens.revoke(claims)
    with pytest.raises(RevokedToken):
        await accounts.tokens.verify(tokens.access_token)


async def test_a_token_not_of_this_pool_is_not_valid(accounts: Accounts) -> None:
    with pytest.raises(InvalidToken) as refused:
        await accounts.tokens.verify("not-a-token")
    assert type(refused.value) is InvalidToken


async def test_a_password_is_reset_with_its_code_changed_with_the_old_one_then_the_user_goes(
    accounts: Accounts,
) -> None:
    email = _email()
    await accounts.identity.register(email, PASSWORD, None)
    code = await accounts.identity.forgot_password(email)
    assert code  # both hand the code out, as local mode does
    await accounts.identity.reset_password(email, code, "battery staple 7")
    with pytest.raises(BadCredentials):
        await accounts.identity.login(email, PASSWORD)
    tokens = await accounts.identity.login(email, "battery staple 7")
    with pytest.raises(WrongPassword):
        await accounts.identity.change_password(tokens.access_token, "guess", PASSWORD)
    await accounts.identity.change_password(tokens.access_token, "battery staple 7", PASSWORD)
    claims = await accounts.tokens.verify(tokens.access_token)
    with pytest.raises(AlreadyConfirmed):
        await accounts.identity.resend_code(email)
    await accounts.identity.delete_user(claims.username or email)
    await accounts.identity.delete_user(claims.username or email)  # gone already: done
    with pytest.raises(BadCredentials):
        await accounts.identity.login(email, PASSWORD)
