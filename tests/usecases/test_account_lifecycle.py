"""The account's lifecycle (`usecases/accounts.py`, `usecases/account_removal.py`): a code sent
again, a forgotten password reset with its code, a password changed while logged in, and an
account deleted: its tokens refused at once, then everything of it removed by housekeeping."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.fakes.identity import FakeIdentity
from tests.usecases.support import NOON, FakePorts, created, made_ready
from videoshare.domain import keys
from videoshare.domain.errors import (
    AlreadyConfirmed,
    BadConfirmationCode,
    BadCredentials,
    RevokedToken,
    TooManyRequests,
    WeakPassword,
    WrongPassword,
)
from videoshare.domain.events import AccountDeleted, utc_now
from videoshare.domain.notifications import Notification
from videoshare.domain.video import VideoStatus, Visibility
from videoshare.usecases.account_removal import remove_account
from videoshare.usecases.accounts import (
    change_password,
    delete_account,
    forgot_password,
    login,
    register,
    resend_code,
    reset_password,
)
from videoshare.usecases.limits import processed_per_day, take_processing_minutes
from videoshare.usecases.ports import Tokens

PASSWORD = "correct horse 42"
NEW_PASSWORD = "battery staple 7"
HERE = "192.0.2.1"


async def _signed_up(ports: FakePorts, email: str = "ann@example.com") -> Tokens:
    await register(ports, email, PASSWORD, "Ann")
    return await login(ports, email, PASSWORD, HERE, NOON)


async def test_a_code_is_sent_again_only_to_an_unconfirmed_account() -> None:
    ports = FakePorts(identity=FakeIdentity(auto_confirm=False))
    await register(ports, "ann@example.com", PASSWORD, None)
    await resend_code(ports, "ann@example.com")
    await resend_code(ports, "nobody@example.com")  # unknown: answered alike
    ports.identity.accounts["ann@example.com"].confirmed = True
    with pytest.raises(AlreadyConfirmed):
        await resend_code(ports, "ann@example.com")


async def test_a_forgotten_password_is_reset_with_the_code_and_only_with_it(
    ports: FakePorts,
) -> None:
    await register(ports, "ann@example.com", PASSWORD, None)
    assert await forgot_password(ports, "nobody@example.com") is None
    code = await forgot_password(ports, "ann@example.com")
    assert code
    with pytest.raises(BadConfirmationCode):
        await reset_password(ports, "ann@example.com", "not-" + code, NEW_PASSWORD)
    with pytest.raises(BadConfirmationCode):
        await reset_password(ports, "nobody@example.com", code, NEW_PASSWORD)
    with pytest.raises(WeakPassword):
        await reset_password(ports, "ann@example.com", code, "short")
    await reset_password(ports, "ann@example.com", code, NEW_PASSWORD)
    with pytest.raises(BadConfirmationCode):  # a code works once
        await reset_password(ports, "ann@example.com", code, PASSWORD)
    with pytest.raises(BadCredentials):
        await login(ports, "ann@example.com", PASSWORD, HERE, NOON)
    await login(ports, "ann@example.com", NEW_PASSWORD, HERE, NOON)


async def test_a_password_is_changed_with_the_current_one_whose_guesses_are_limited(
    ports: FakePorts,
) -> None:
    tokens = await _signed_up(ports)
    for _ in range(3):  # login_free_failures
        with pytest.raises(WrongPassword):
            await change_password(ports, tokens.access_token, "guess", NEW_PASSWORD, HERE, NOON)
    with pytest.raises(TooManyRequests):  # even the right one waits, as a login would
        await change_password(ports, tokens.access_token, PASSWORD, NEW_PASSWORD, HERE, NOON)
    later = NOON + 900
    # refused before the current password is known to be right: it counts as an attempt
    with pytest.raises(WeakPassword):
        await change_password(ports, tokens.access_token, PASSWORD, "short", HERE, later)
    later += 60  # past the longer wait
    await change_password(ports, tokens.access_token, PASSWORD, NEW_PASSWORD, HERE, later)
    await login(ports, "ann@example.com", NEW_PASSWORD, HERE, later)


async def test_deleting_an_account_needs_its_password(ports: FakePorts) -> None:
    tokens = await _signed_up(ports)
    claims = await ports.tokens.verify(tokens.access_token)
    with pytest.raises(WrongPassword):
        await delete_account(ports, tokens.access_token, claims, "guess", HERE, NOON, "req-1")
    assert ports.publisher.published == []
    assert await ports.tokens.verify(tokens.access_token) == claims


async def test_a_deleted_account_loses_its_tokens_at_once_then_everything_it_had(
    ports: FakePorts,
) -> None:
    tokens = await _signed_up(ports)
    other = await _signed_up(ports, "bob@example.com")
    claims = await ports.tokens.verify(tokens.access_token)
    ann, bob = claims.sub, (await ports.tokens.verify(other.access_token)).sub
    ready = await made_ready(ports, await created(ports, ann), Visibility.PUBLIC)
    waiting = await created(ports, ann)
    kept = await created(ports, bob)
    for video in (ready, waiting, kept):
        ports.objects.put(keys.media_prefix(video.id) + "poster.jpg", b"jpeg")
    ports.objects.open_multipart(f"{keys.UPLOAD_PREFIX}{waiting.id}/source")
    await ports.search.reindex(ready.id, ready)
    assert ready.id in ports.search.entries
    await ports.webhooks.put(ann, "https://example.com/hook")
    await ports.notifications.add(
        Notification(
            id="n1", user_id=ann, type="video.ready", video_id=ready.id,
            created_at=utc_now(), message="Ready.",
        )
    )  # fmt: skip
    with pytest.raises(BadCredentials):  # a failed login is counted under the account
        await login(ports, "ann@example.com", "guess", HERE, NOON)
    # a turn in processing held, and today's processed minutes charged
    assert await ports.slots.take(ann, waiting.id, limit=3, now=NOON, ttl_s=60)
    assert await take_processing_minutes(ports, ann, 90, processed_per_day(600), NOON)

    await delete_account(ports, tokens.access_token, claims, PASSWORD, HERE, NOON, "req-1")
    with pytest.raises(RevokedToken):
        await ports.tokens.verify(tokens.access_token)
    with pytest.raises(BadCredentials):  # no new session while the removal is under way
        await login(ports, "ann@example.com", PASSWORD, "198.51.100.7", NOON)
    (event,) = [e for e in ports.publisher.published if isinstance(e, AccountDeleted)]
    assert isinstance(event, AccountDeleted)
    assert (event.data.user_id, event.data.email, event.correlation_id) == (
        ann,
        "ann@example.com",
        "req-1",
    )

    removed = await remove_account(ports, event, NOON)
    assert (removed.videos, removed.objects, removed.notifications) == (2, 2, 1)
    assert set(ports.videos.records) == {kept.id}
    assert ports.objects.keys() == [keys.media_prefix(kept.id) + "poster.jpg"]
    assert ports.objects.open_uploads == []
    assert ports.search.entries == {}
    assert ports.notifications.notes == {}
    assert await ports.webhooks.get(ann) is None
    assert ann not in ports.quota.reservations
    assert not [k for k in ports.counters.counts if ann in k]
    # the streak from where it was deleted ended with the right password; the one of the
    # login tried meanwhile from elsewhere is under a hash, forgotten a day after
    (streak,) = ports.login_attempts.streaks
    assert streak.endswith("#198.51.100.7")
    assert "ann" not in streak
    assert ann not in ports.slots.slots
    assert "ann@example.com" not in ports.identity.accounts
    await login(ports, "bob@example.com", PASSWORD, HERE, NOON)

    again = await remove_account(ports, event, NOON)  # redelivered: nothing left to do
    assert (again.videos, again.objects, again.notifications) == (0, 0, 0)


async def test_a_removed_accounts_unfinished_video_is_marked_deleted_before_its_objects_go(
    ports: FakePorts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transcoder still putting outputs for it must see the deletion (it then deletes what it
    put): the mark comes before the objects go, as a video deleted by its owner has it."""
    tokens = await _signed_up(ports)
    claims = await ports.tokens.verify(tokens.access_token)
    waiting = await created(ports, claims.sub)
    ready = await made_ready(ports, await created(ports, claims.sub), Visibility.PUBLIC)
    seen: dict[str, VideoStatus] = {}
    delete = ports.objects.delete

    async def noting_status(keys_: Sequence[str]) -> None:
        for video in (waiting, ready):
            if any(video.id in key for key in keys_):
                record = await ports.videos.get(video.id)
                assert record is not None
                seen[video.id] = record.status
        await delete(keys_)

    monkeypatch.setattr(ports.objects, "delete", noting_status)
    for video in (waiting, ready):
        ports.objects.put(keys.media_prefix(video.id) + "poster.jpg", b"jpeg")
    await delete_account(ports, tokens.access_token, claims, PASSWORD, HERE, NOON, "req-1")
    (event,) = [e for e in ports.publisher.published if isinstance(e, AccountDeleted)]

    await remove_account(ports, event, NOON)

    # the ready one is at rest (no transcoder writes to it): not written to again
    assert seen == {waiting.id: VideoStatus.DELETED, ready.id: VideoStatus.READY}
    assert ports.videos.records == {}
