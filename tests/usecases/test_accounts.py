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
    assert ports.login_attempts.streaks == {}  # the right password ends the streak
    await confirm(ports, "ann@example.com", ports.identity.accounts["ann@example.com"].code)
    await login(ports, "ann@example.com", PASSWORD, HERE, NOON)


async def _fail(ports: FakePorts, email: str, now: float, address: str = HERE) -> None:
    with pytest.raises(BadCredentials):
        await login(ports, email, "wrong", address, now)


async def _wait_asked(ports: FakePorts, email: str, now: float, address: str = HERE) -> int:
    with pytest.raises(TooManyRequests) as refused:
        await login(ports, email, PASSWORD, address, now)  # even the right password waits
    assert "Too many failed logins for this account" in refused.value.detail
    return refused.value.retry_after_s


async def _failures(
    ports: FakePorts, email: str, count: int, now: float, address: str = HERE
) -> float:
    """`count` failures in a row, each after waiting as long as asked; the time after them."""
    for _ in range(count):
        try:
            await _fail(ports, email, now, address)
        except TooManyRequests as refused:  # (pytest.raises lets it through)
            now += refused.retry_after_s
            await _fail(ports, email, now, address)
    return now


async def test_failed_logins_wait_longer_each_time_up_to_the_cap() -> None:
    """Three free failures, then 1 s doubling to the 60 s cap (the tests' settings)."""
    ports = FakePorts(settings=fixed_settings(login_failures_per_address=1000))
    await register(ports, "ann@example.com", PASSWORD, None)
    now = NOON
    for _ in range(3):
        await _fail(ports, "ann@example.com", now)
    waits = []
    for _ in range(9):
        wait = await _wait_asked(ports, "ann@example.com", now)
        waits.append(wait)
        now += wait  # waited exactly as long as asked: the next attempt goes on, and fails
        await _fail(ports, "ann@example.com", now)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_a_success_ends_the_streak(ports: FakePorts) -> None:
    await register(ports, "ann@example.com", PASSWORD, None)
    for _ in range(3):
        await _fail(ports, "ann@example.com", NOON)
    assert await _wait_asked(ports, "ann@example.com", NOON) == 1
    await login(ports, "ann@example.com", PASSWORD, HERE, NOON + 1)
    for _ in range(3):  # three free failures again, not a longer wait
        await _fail(ports, "ann@example.com", NOON + 1)
    assert await _wait_asked(ports, "ann@example.com", NOON + 1) == 1


async def test_guessing_from_elsewhere_never_locks_the_owner_out(ports: FakePorts) -> None:
    for who in ("victim@example.com", "bystander@example.com"):
        await register(ports, who, PASSWORD, None)
    there = "203.0.113.9"  # an attacker's address
    now = await _failures(ports, "victim@example.com", 6, NOON, there)
    assert await _wait_asked(ports, "victim@example.com", now, there) == 8
    await login(ports, "victim@example.com", PASSWORD, HERE, now)  # the owner, at home
    await login(ports, "bystander@example.com", PASSWORD, there, now)


async def test_a_waiting_attempt_counts_nothing_more(ports: FakePorts) -> None:
    await register(ports, "ann@example.com", PASSWORD, None)
    now = await _failures(ports, "ann@example.com", 4, NOON)
    for _ in range(5):  # refused while waiting: the wait does not grow
        assert await _wait_asked(ports, "ann@example.com", now) == 2
    await login(ports, "ann@example.com", PASSWORD, HERE, now + 2)


async def test_failures_from_one_address_over_all_accounts_are_capped() -> None:
    ports = FakePorts(settings=fixed_settings(login_failures_per_address=4))
    users = [f"user{n}@example.com" for n in range(5)]
    for who in users:
        await register(ports, who, PASSWORD, None)
    for who in users[:4]:  # one failure each: no account's streak is long
        await _fail(ports, who, NOON)
    with pytest.raises(TooManyRequests) as refused:
        await login(ports, users[4], PASSWORD, HERE, NOON)
    assert refused.value.retry_after_s == 900  # the 15 min window began on the hour
    assert "from this address" in refused.value.detail
    await login(ports, users[4], PASSWORD, "198.51.100.7", NOON)  # another address
    await login(ports, users[4], PASSWORD, HERE, NOON + 900)  # the next window


async def test_guesses_at_unknown_accounts_count_too(ports: FakePorts) -> None:
    for _ in range(3):
        await _fail(ports, "nobody@example.com", NOON)
    with pytest.raises(TooManyRequests):
        await login(ports, "nobody@example.com", "guess", HERE, NOON)


async def test_a_streak_untouched_for_a_day_is_forgotten(ports: FakePorts) -> None:
    await register(ports, "ann@example.com", PASSWORD, None)
    now = await _failures(ports, "ann@example.com", 5, NOON)
    assert await _wait_asked(ports, "ann@example.com", now) == 4
    later = now + 24 * 3600
    await _failures(ports, "ann@example.com", 3, later)  # three free failures again
    assert await _wait_asked(ports, "ann@example.com", later) == 1


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
    keys = [*ports.counters.counts, *ports.login_attempts.streaks]
    assert len(keys) == 2
    assert not any("ann" in key for key in keys)
    assert any(key.startswith(f"login-address#{HERE}#") for key in keys)
    assert any(key.startswith("login-streak#") and key.endswith(f"#{HERE}") for key in keys)
