"""Limits that protect the service and its users: login brute force, storage and upload quotas.

    await check_login_allowed(ports, email, address, now)   # TooManyRequests while locked out
    await record_login_failure(ports, email, address, now)  # counts per account and per address
    await record_login_success(ports, email, address, now)  # forgives the account's failures
    await take_upload_quota(ports, owner_id, size, now)     # StorageQuotaExceeded over the
                                                            # quota, TooManyRequests over the day's

Counters are shared by every ingress process (the `Counters` port). Accounts are counted under
a hash of the e-mail address, not the address itself; `address` is the caller's network
address as the entry point found it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from videoshare.domain.errors import StorageQuotaExceeded, TooManyRequests
from videoshare.domain.limits import Window
from videoshare.settings import Settings
from videoshare.usecases.ports import Counters, VideoStore
from videoshare.usecases.usage import usage_of

DAY_S = 24 * 3600


class LimitPorts(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def videos(self) -> VideoStore: ...


@dataclass(frozen=True, slots=True)
class Limits:
    login_per_account: Window
    login_per_address: Window
    uploads_per_day: Window
    storage_quota_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            login_per_account=Window(settings.login_window_s, settings.login_failures_per_account),
            login_per_address=Window(settings.login_window_s, settings.login_failures_per_address),
            uploads_per_day=Window(DAY_S, settings.uploads_per_day),
            storage_quota_bytes=settings.storage_quota_bytes,
        )


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


# --- uploads -----------------------------------------------------------------------------------
async def take_upload_quota(ports: LimitPorts, owner_id: str, size_bytes: int, now: float) -> None:
    """Count one video of `size_bytes` against the owner's day, if it fits the quotas."""
    limits = Limits.from_settings(ports.settings)
    usage = await usage_of(ports.videos, owner_id)
    if usage.bytes + size_bytes > limits.storage_quota_bytes:
        raise StorageQuotaExceeded(
            f"This video ({size_bytes} bytes) would take your storage to "
            f"{usage.bytes + size_bytes} bytes, over your quota of "
            f"{limits.storage_quota_bytes} bytes; delete videos to make room.",
            field="size_bytes",
            reasons=["over the storage quota"],
        )
    window = limits.uploads_per_day
    if not await ports.counters.take(f"uploads#{owner_id}", window, now):
        raise TooManyRequests(
            window.retry_after_s(now),
            f"You have created {window.limit} videos today (UTC), the most a day allows; "
            "try again tomorrow.",
        )
