"""Limits that protect the service and its users: login brute force, storage and upload quotas.

    install_limits(app)                             # after the app's own lifecycle
    await check_login_allowed(request, email)       # 429 + Retry-After while locked out
    await record_login_failure(request, email)      # counts per account and per address
    await take_upload_quota(request, user_id, body) # 413 over the storage quota,
                                                    # 429 + Retry-After over uploads per day

Counters live in DynamoDB (`adapters/counters.py`), so every ingress process sees the same
counts. Accounts are counted under a hash of the e-mail address, not the address itself.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiohttp import web

from videoshare.adapters.counters import Window, WindowCounters
from videoshare.entrypoints.http.client_address import request_client_address
from videoshare.entrypoints.http.context import DEPENDENCIES, dependencies
from videoshare.entrypoints.http.problems import Problem
from videoshare.entrypoints.http.schemas import CreateVideoIn
from videoshare.settings import Settings
from videoshare.usecases.videos import checked_content_type, usage_of

DAY_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class Limits:
    counters: WindowCounters
    login_per_account: Window
    login_per_address: Window
    uploads_per_day: Window
    storage_quota_bytes: int
    clock: Callable[[], float] = time.time

    @classmethod
    def from_settings(cls, counters: WindowCounters, settings: Settings) -> Limits:
        return cls(
            counters=counters,
            login_per_account=Window(settings.login_window_s, settings.login_failures_per_account),
            login_per_address=Window(settings.login_window_s, settings.login_failures_per_address),
            uploads_per_day=Window(DAY_S, settings.uploads_per_day),
            storage_quota_bytes=settings.storage_quota_bytes,
        )


LIMITS = web.AppKey("limits", Limits)


def install_limits(app: web.Application) -> None:
    """Wire the counters once the app's AWS clients are open (its `cleanup_ctx` runs first)."""
    app.cleanup_ctx.append(_lifecycle)


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    deps = app[DEPENDENCIES]
    app[LIMITS] = Limits.from_settings(deps.counters, deps.settings)
    yield


# --- login -------------------------------------------------------------------------------------
def _login_keys(request: web.Request, email: str) -> list[tuple[str, Window]]:
    limits = request.app[LIMITS]
    account = hashlib.sha256(email.encode()).hexdigest()[:32]
    address = request_client_address(request, dependencies(request).settings)
    return [
        (f"login-account#{account}", limits.login_per_account),
        (f"login-address#{address}", limits.login_per_address),
    ]


async def check_login_allowed(request: web.Request, email: str) -> None:
    limits = request.app[LIMITS]
    now = limits.clock()
    for key, window in _login_keys(request, email):
        if await limits.counters.hits(key, window, now) >= window.limit:
            raise _too_many(
                window.retry_after_s(now),
                "Too many failed logins for this account or from this address; try again "
                "later, or reset the password.",
            )


async def record_login_failure(request: web.Request, email: str) -> None:
    limits = request.app[LIMITS]
    now = limits.clock()
    for key, window in _login_keys(request, email):
        await limits.counters.add(key, window, now)


async def record_login_success(request: web.Request, email: str) -> None:
    """The account's failures are forgiven (the address's are not)."""
    limits = request.app[LIMITS]
    key, window = _login_keys(request, email)[0]
    await limits.counters.clear(key, window, limits.clock())


# --- uploads -----------------------------------------------------------------------------------
async def take_upload_quota(request: web.Request, user_id: str, body: CreateVideoIn) -> None:
    """Count one video against the user's day, if it fits the quotas. A request refused for
    what it is (415, 413 over the size limit) is refused before it counts."""
    svc = dependencies(request)
    checked_content_type(body, svc.settings.max_upload_bytes)
    size_bytes = body.size_bytes
    limits = request.app[LIMITS]
    usage = await usage_of(svc.videos, user_id)
    if usage.bytes + size_bytes > limits.storage_quota_bytes:
        raise Problem(
            413,
            "storage-quota-exceeded",
            "Storage quota exceeded",
            f"This video ({size_bytes} bytes) would take your storage to "
            f"{usage.bytes + size_bytes} bytes, over your quota of "
            f"{limits.storage_quota_bytes} bytes; delete videos to make room.",
            errors=[{"pointer": "#/size_bytes", "detail": "over the storage quota"}],
        )
    now = limits.clock()
    window = limits.uploads_per_day
    if not await limits.counters.take(f"uploads#{user_id}", window, now):
        raise _too_many(
            window.retry_after_s(now),
            f"You have created {window.limit} videos today (UTC), the most a day allows; "
            "try again tomorrow.",
        )


def _too_many(retry_after_s: int, detail: str) -> Problem:
    return Problem(
        429,
        "too-many-requests",
        "Too many requests",
        detail,
        headers={"Retry-After": str(retry_after_s)},
    )
