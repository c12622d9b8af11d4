"""Accounts and sessions (`usecases/accounts.py`), with the login limits of `usecases/limits.py`."""

from __future__ import annotations

import pytest

from tests.fakes.identity import PASSWORD_RULE, FakeIdentity
from tests.usecases.support import NOON, FakePorts, created, fixed_settings, made_ready
from videoshare.domain.errors import (
    BadCredentials,
    EmailTaken,
    NotConfirmed,
    RevokedToken,
    SessionEnded,
    TooManyRequests,
    WeakPassword,
)
from videoshare.usecases.accounts import (
    account_of,
    confirm,
    login,
    logout,
    refresh,
    register,
)
from videoshare.usecases.video_edits import delete_video

PASSWORD = "correct horse 42"
HERE = "192.0.2.1"


async def test_a_registered_user_logs_in_and_sees_their_account(ports: FakePorts) -> None:
    done = await register(ports, "ann@example.com", PASSWORD, "Ann")
    assert done.confirmed  # local mode confirms at once
    tokens = await login(ports, "ann@example.com", PASSWORD, HERE, NOON)
    claims = await ports.tokens.verify(tokens.access_token)
    assert claims.sub == done.user_id

    kept = await made_ready(ports, await created(ports, done.user_id, size_bytes=11))
    await created(ports, done.user_id, size_bytes=30)
    gone = await created(ports, done.user_id, size_bytes=1000)
    await delete_video(ports, gone.id, done.user_id, "req-1")
    account = await account_of(ports, done.user_id, tokens.access_token)
    assert (account.email, account.display_name) == ("ann@example.com", "Ann")
    # measured bytes once known (12 for the ready one), declared before; deleted ones aside
    assert (kept.size_bytes, kept.declared_size_bytes) == (12, 11)
    assert (account.usage.videos, account.usage.bytes) == (2, 12 + 30)


async def test_an_address_is_registered_once_and_only_with_a_good_password(
    ports: FakePorts,
) -> None:
    await register(ports, "ann@example.com", PASSWORD, None)
    with pytest.raises(EmailTaken):
        await register(ports, "ann@example.com", PASSWORD, None)
    with pytest.raises(WeakPassword) as weak:
        await register(ports, "bob@example.com", "short", None)
    assert (weak.value.field, weak.value.reasons) == ("password", [PASSWORD_RULE])
    assert weak.value.detail.endswith(PASSWORD_RULE)


async def test_an_unconfirmed_account_cannot_log_in_until_confirmed() -> None:
    ports = FakePorts(identity=FakeIdentity(auto_confirm=False))
    done = await register(ports, "ann@example.com", PASSWORD, None)
    assert not done.confirmed
    with pytest.raises(NotConfirmed):
        await login(ports, "ann@example.com", PASSWORD, HERE, NOON)
    assert ports.counters.counts == {}  # not a failed guess
    await confirm(ports, "ann@example.com", ports.identity.accounts["ann@example.com"].code)
    await login(ports, "ann@example.com", PASSWORD, HERE, NOON)


async def test_failed_logins_lock_the_account_even_for_the_right_password(
    ports: FakePorts,
) -> None:
    for who in ("victim@example.com", "bystander@example.com"):
        await register(ports, who, PASSWORD, None)
    for _ in range(3):  # login_failures_per_account
        with pytest.raises(BadCredentials):
            await login(ports, "victim@example.com", "wrong", HERE, NOON)
    with pytest.raises(TooManyRequests) as locked:
        await login(ports, "victim@example.com", PASSWORD, HERE, NOON)
    assert locked.value.retry_after_s == 900  # the 15 min window began on the hour
    assert "Too many failed logins" in locked.value.detail
    await login(ports, "bystander@example.com", PASSWORD, HERE, NOON)  # same address
    await login(ports, "victim@example.com", PASSWORD, HERE, NOON + 900)  # the next window


async def test_a_success_forgives_the_accounts_failures_but_not_the_addresss() -> None:
    ports = FakePorts(settings=fixed_settings(login_failures_per_address=4))
    for who in ("ann@example.com", "bob@example.com"):
        await register(ports, who, PASSWORD, None)
    for _ in range(2):
        with pytest.raises(BadCredentials):
            await login(ports, "ann@example.com", "wrong", HERE, NOON)
    await login(ports, "ann@example.com", PASSWORD, HERE, NOON)
    for _ in range(2):  # two more: the account's count began again, the address's did not
        with pytest.raises(BadCredentials):
            await login(ports, "ann@example.com", "wrong", HERE, NOON)
    with pytest.raises(TooManyRequests):
        await login(ports, "bob@example.com", PASSWORD, HERE, NOON)  # the address: 4 failures
    await login(ports, "ann@example.com", PASSWORD, "198.51.100.7", NOON)  # the account: 2


async def test_guesses_at_unknown_accounts_count_too(ports: FakePorts) -> None:
    for _ in range(3):
        with pytest.raises(BadCredentials):
            await login(ports, "nobody@example.com", "guess", HERE, NOON)
    with pytest.raises(TooManyRequests):
        await login(ports, "nobody@example.com", "guess", HERE, NOON)


async def test_a_refresh_gives_new_access_until_logout_ends_every_session(
    ports: FakePorts,
) -> None:
    await register(ports, "ann@example.com", PASSWORD, None)
    here = await login(ports, "ann@example.com", PASSWORD, HERE, NOON)
    elsewhere = await login(ports, "ann@example.com", PASSWORD, HERE, NOON)
    renewed = await refresh(ports, here.refresh_token)
    assert renewed.access_token != here.access_token
    assert renewed.refresh_token == here.refresh_token

    await logout(ports, here.access_token, await ports.tokens.verify(here.access_token))
    with pytest.raises(RevokedToken):
        await ports.tokens.verify(here.access_token)
    with pytest.raises(RevokedToken):
        await ports.tokens.verify(elsewhere.access_token)
    for refresh_token in (here.refresh_token, elsewhere.refresh_token):
        with pytest.raises(SessionEnded):
            await refresh(ports, refresh_token)


async def test_accounts_are_counted_under_a_hash_not_their_address(ports: FakePorts) -> None:
    with pytest.raises(BadCredentials):
        await login(ports, "ann@example.com", "wrong", HERE, NOON)
    keys = list(ports.counters.counts)
    assert len(keys) == 2
    assert not any("ann" in key for key in keys)
    assert any(key.startswith(f"login-address#{HERE}#") for key in keys)
