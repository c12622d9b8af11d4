"""Limits that protect the service and its users: login brute force, storage and upload quotas,
the minutes of video processed a day.

    await check_login_allowed(ports, email, address, now)   # TooManyRequests while locked out
    await record_login_failure(ports, email, address, now)  # counts per account and per address
    await record_login_success(ports, email, address, now)  # forgives the account's failures
    await take_upload_quota(ports, owner_id, video_id, size, now)
                                      # the video's storage reserved (StorageQuotaExceeded over
                                      # the quota) and one of the day's uploads counted
                                      # (TooManyRequests over the day's)
    await release_storage(ports, owner_id, video_id)   # once a video is rejected or deleted
    await take_processing_minutes(ports, owner_id, duration_s, per_day_s, now)
                                      # the transcoder, once a source's duration is known: the
                                      # day's budget charged (False: it was spent already)

Counters are shared by every ingress process (the `Counters` port). Accounts are counted under
a hash of the e-mail address, not the address itself; `address` is the caller's network
address as the entry point found it. Storage is reserved per video by one conditional update
(the `StorageQuota` port), so parallel creates cannot pass the quota together; what moves a
video to `rejected` or `deleted` releases it (once per video, whatever repeats). Minutes of
video processed are counted per owner and UTC day (seconds, in the `Counters` port); creating a
video is refused (`ProcessingBudgetSpent`, until midnight UTC) once they are spent, and a source
whose day was spent before it was probed is refused by the transcoder, so a day goes past its
budget by the videos in processing at that moment at most.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Protocol

from videoshare.domain.errors import ProcessingBudgetSpent, StorageQuotaExceeded, TooManyRequests
from videoshare.domain.limits import Window
from videoshare.settings import Settings
from videoshare.usecases.ports import Counters, StorageQuota

DAY_S = 24 * 3600


class LimitPorts(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def quota(self) -> StorageQuota: ...


class CounterPorts(Protocol):
    @property
    def counters(self) -> Counters: ...


class ReleasePorts(Protocol):
    @property
    def quota(self) -> StorageQuota: ...


@dataclass(frozen=True, slots=True)
class Limits:
    login_per_account: Window
    login_per_address: Window
    uploads_per_day: Window
    storage_quota_bytes: int
    processed_seconds_per_day: Window

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            login_per_account=Window(settings.login_window_s, settings.login_failures_per_account),
            login_per_address=Window(settings.login_window_s, settings.login_failures_per_address),
            uploads_per_day=Window(DAY_S, settings.uploads_per_day),
            storage_quota_bytes=settings.storage_quota_bytes,
            processed_seconds_per_day=processed_per_day(settings.processing_minutes_per_day * 60),
        )


def processed_per_day(seconds: int) -> Window:
    """The window of an owner's seconds of video processed a (UTC) day."""
    return Window(DAY_S, seconds)


# --- login -------------------------------------------------------------------------------------
def _login_keys(settings: Settings, email: str, address: str) -> list[tuple[str, Window]]:
    """The account's counter first, then the address's."""
    limits = Limits.from_settings(settings)
    account = hashlib.sha256(email.encode()).hexdigest()[:32]
    return [
        (f"login-account#{account}", limits.login_per_account),
        (f"login-address#{address}", limits.login_per_address),
    ]


async def check_login_allowed(ports: LimitPorts, email: str, address: str, now: float) -> None:
    for key, window in _login_keys(ports.settings, email, address):
        if await ports.counters.hits(key, window, now) >= window.limit:
            raise TooManyRequests(
                window.retry_after_s(now),
                "Too many failed logins for this account or from this address; try again "
                "later, or reset the password.",
            )


async def record_login_failure(ports: LimitPorts, email: str, address: str, now: float) -> None:
    for key, window in _login_keys(ports.settings, email, address):
        await ports.counters.add(key, window, now)


async def record_login_success(ports: LimitPorts, email: str, address: str, now: float) -> None:
    """The account's failures are forgiven (the address's are not)."""
    key, window = _login_keys(ports.settings, email, address)[0]
    await ports.counters.clear(key, window, now)


async def forget_login_failures(ports: LimitPorts, email: str, now: float) -> None:
    """The account's failed logins of this window (its account is going; older windows are
    never read again and expire)."""
    key, window = _login_keys(ports.settings, email, "")[0]
    await ports.counters.clear(key, window, now)


# --- uploads -----------------------------------------------------------------------------------
async def take_upload_quota(
    ports: LimitPorts, owner_id: str, video_id: str, size_bytes: int, now: float
) -> None:
    """Reserve `size_bytes` of the owner's storage for `video_id` and count one video against
    the owner's day, if both fit and the day's processing minutes are not spent; nothing is kept
    of a refusal."""
    limits = Limits.from_settings(ports.settings)
    processed = limits.processed_seconds_per_day
    if await ports.counters.hits(_processed_key(owner_id), processed, now) >= processed.limit:
        raise ProcessingBudgetSpent(
            processed.retry_after_s(now),
            f"You have had {processed.limit // 60} minutes of video processed today (UTC), "
            "the most a day allows; upload again after midnight UTC.",
        )
    quota = limits.storage_quota_bytes
    if not await ports.quota.reserve(owner_id, video_id, size_bytes, quota):
        held = await ports.quota.reserved_bytes(owner_id)  # for the sentence only
        raise StorageQuotaExceeded(
            f"This video ({size_bytes} bytes) would take your storage to "
            f"{held + size_bytes} bytes, over your quota of {quota} bytes; "
            "delete videos to make room.",
            field="size_bytes",
            reasons=["over the storage quota"],
        )
    window = limits.uploads_per_day
    if not await ports.counters.take(f"uploads#{owner_id}", window, now):
        await release_storage(ports, owner_id, video_id)
        raise TooManyRequests(
            window.retry_after_s(now),
            f"You have created {window.limit} videos today (UTC), the most a day allows; "
            "try again tomorrow.",
        )


async def release_storage(ports: ReleasePorts, owner_id: str, video_id: str) -> None:
    """Give back what `video_id` reserved (it was rejected or deleted, or never created); a
    repeat changes nothing."""
    await ports.quota.release(owner_id, video_id)


async def forget_owner_counts(ports: LimitPorts, owner_id: str, now: float) -> None:
    """The owner's counts of videos created and of seconds processed, today's and yesterday's
    (its account is going; older days' items are past their expiry)."""
    limits = Limits.from_settings(ports.settings)
    for day in (now, now - DAY_S):
        await ports.counters.clear(f"uploads#{owner_id}", limits.uploads_per_day, day)
        await ports.counters.clear(_processed_key(owner_id), limits.processed_seconds_per_day, day)


# --- processing ----------------------------------------------------------------------------------
async def take_processing_minutes(
    ports: CounterPorts, owner_id: str, duration_s: float, per_day: Window, now: float
) -> bool:
    """Charge `duration_s` of video to the owner's day, unless the day's budget was spent
    already (False: nothing charged). The last charge may go past the budget."""
    amount = max(1, math.ceil(duration_s))
    return await ports.counters.take(_processed_key(owner_id), per_day, now, amount=amount)


def _processed_key(owner_id: str) -> str:
    return f"processed-seconds#{owner_id}"
