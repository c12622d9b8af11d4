"""Limits: body size, login brute force (per account, per address), storage and daily upload
quotas, and presigned PUTs that pin the body's type and size.

Each test runs the real app with its own small limits. Login windows are set very long so no
test can straddle a window's end; counters are per stack, so the per-address test (all test
clients share 127.0.0.1) gets a stack of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.api_support import (
    PASSWORD,
    Client,
    Stack,
    expect_problem,
    provisioned_stack,
    running_api,
    sign_up,
    video_body,
)
from videoshare.adapters.counters import WindowCounters
from videoshare.infra.topology import LIMITS_TABLE
from videoshare.local.emulator import Emulator
from videoshare.usecases.limits import processed_per_day, take_processing_minutes

pytestmark = pytest.mark.integration

LONG_WINDOW_S = 10**9


def _api(stack: Stack, **limits: Any) -> Any:
    return running_api(
        stack.settings.model_copy(update={"login_window_s": LONG_WINDOW_S, **limits})
    )


async def _login(api: Client, email: str, password: str) -> Any:
    return await api.post("/v1/auth/login", json={"email": email, "password": password})


async def test_a_chunked_body_over_the_limit_is_a_413_problem(api: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 1024

    response = await api.post(
        "/v1/auth/login", data=chunks(), headers={"Content-Type": "application/json"}
    )
    await expect_problem(response, 413, "body-too-large")


async def test_failed_logins_lock_the_account_with_retry_after(stack: Stack) -> None:
    async with _api(stack, login_failures_per_account=3, login_failures_per_address=100) as api:
        victim = await sign_up(api)
        bystander = await sign_up(api)
        for _ in range(3):
            await expect_problem(await _login(api, victim.email, "wrong password 1"), 401)

        locked = await _login(api, victim.email, PASSWORD)  # even the right password
        body = await expect_problem(locked, 429, "too-many-requests")
        assert "failed logins" in body["detail"]
        retry_after = int(locked.headers["Retry-After"])
        assert 0 < retry_after <= LONG_WINDOW_S
        # The same address may still log in to another account.
        assert (await _login(api, bystander.email, PASSWORD)).status == 200


async def test_a_successful_login_forgives_the_accounts_failures(stack: Stack) -> None:
    async with _api(stack, login_failures_per_account=2, login_failures_per_address=100) as api:
        user = await sign_up(api)  # logged in once: nothing counted
        await expect_problem(await _login(api, user.email, "wrong password 2"), 401)
        assert (await _login(api, user.email, PASSWORD)).status == 200
        await expect_problem(await _login(api, user.email, "wrong password 3"), 401)
        assert (await _login(api, user.email, PASSWORD)).status == 200


async def test_failed_logins_from_one_address_lock_that_address(emulator: Emulator) -> None:
    limits = {"login_failures_per_account": 100, "login_failures_per_address": 3}
    async with provisioned_stack(emulator) as stack, _api(stack, **limits) as api:
        users = [await sign_up(api) for _ in range(4)]
        for user in users[:3]:  # one failure each on three accounts
            await expect_problem(await _login(api, user.email, "wrong password 4"), 401)
        locked = await _login(api, users[3].email, PASSWORD)
        await expect_problem(locked, 429, "too-many-requests")
        assert int(locked.headers["Retry-After"]) > 0


async def test_unknown_accounts_count_too(stack: Stack) -> None:
    async with _api(stack, login_failures_per_account=2, login_failures_per_address=100) as api:
        email = "nobody-here@example.com"
        for _ in range(2):
            await expect_problem(await _login(api, email, "guess 1"), 401, "bad-credentials")
        await expect_problem(await _login(api, email, "guess 2"), 429, "too-many-requests")


async def test_uploads_per_day_are_limited_with_retry_after(stack: Stack) -> None:
    async with _api(stack, uploads_per_day=2) as api:
        user = await sign_up(api)
        not_a_video = video_body(content_type="text/plain")
        refused = await api.post("/v1/videos", json=not_a_video, headers=user.headers)
        await expect_problem(refused, 415, "not-a-video")  # refused requests do not count
        for _ in range(2):
            created = await api.post("/v1/videos", json=video_body(), headers=user.headers)
            assert created.status == 201, await created.text()

        third = await api.post("/v1/videos", json=video_body(), headers=user.headers)
        body = await expect_problem(third, 429, "too-many-requests")
        assert "today" in body["detail"]
        assert 0 < int(third.headers["Retry-After"]) <= 24 * 3600
        # Someone else's day is their own.
        other = await sign_up(api)
        created = await api.post("/v1/videos", json=video_body(), headers=other.headers)
        assert created.status == 201


async def test_a_spent_day_of_processing_is_a_429_until_midnight_utc(stack: Stack) -> None:
    """The transcoder charged the user's day (a 61 s video on a budget of one minute)."""
    async with _api(stack, processing_minutes_per_day=1) as api:
        user = await sign_up(api)
        first = await api.post("/v1/videos", json=video_body(), headers=user.headers)
        assert first.status == 201
        counters = WindowCounters(stack.aws.dynamodb, stack.settings.table(LIMITS_TABLE))
        charged = SimpleNamespace(counters=counters)
        assert await take_processing_minutes(
            charged, user.user_id, 61, processed_per_day(60), time.time()
        )

        refused = await api.post("/v1/videos", json=video_body(), headers=user.headers)
        answered_at = time.time()

        body = await expect_problem(refused, 429, "processing-budget-spent")
        assert "1 minutes of video processed today (UTC)" in body["detail"]
        until_midnight = 24 * 3600 - answered_at % (24 * 3600)
        assert abs(int(refused.headers["Retry-After"]) - until_midnight) <= 2
        other = await sign_up(api)  # someone else's day is their own
        created = await api.post("/v1/videos", json=video_body(), headers=other.headers)
        assert created.status == 201


async def test_storage_over_the_quota_is_413(stack: Stack) -> None:
    async with _api(stack, storage_quota_bytes=100) as api:
        user = await sign_up(api)
        first = await api.post("/v1/videos", json=video_body(size_bytes=60), headers=user.headers)
        assert first.status == 201
        over = await api.post("/v1/videos", json=video_body(size_bytes=50), headers=user.headers)
        body = await expect_problem(over, 413, "storage-quota-exceeded")
        assert body["errors"] == [{"pointer": "#/size_bytes", "detail": "over the storage quota"}]
        fits = await api.post("/v1/videos", json=video_body(size_bytes=40), headers=user.headers)
        assert fits.status == 201


async def test_parallel_creates_over_the_quota_pass_only_as_far_as_it_goes(stack: Stack) -> None:
    """Eight creates of 30 bytes at once against a quota of 100: three fit, and only three
    pass (the quota was a sum of the videos read before each create: all eight passed)."""
    async with _api(stack, storage_quota_bytes=100) as api:
        user = await sign_up(api)
        answers = await asyncio.gather(
            *(
                api.post("/v1/videos", json=video_body(size_bytes=30), headers=user.headers)
                for _ in range(8)
            )
        )
        statuses = sorted(answer.status for answer in answers)
        assert statuses == [201] * 3 + [413] * 5
        # deleting one gives its room back
        created = [await a.json() for a in answers if a.status == 201]
        video_id = created[0]["video"]["id"]
        deleted = await api.delete(f"/v1/videos/{video_id}", headers=user.headers)
        assert deleted.status == 202, await deleted.text()
        again = await api.post("/v1/videos", json=video_body(size_bytes=30), headers=user.headers)
        assert again.status == 201, await again.text()


async def test_the_upload_url_signs_the_content_type_and_length(api: Client) -> None:
    user = await sign_up(api)
    response = await api.post("/v1/videos", json=video_body(size_bytes=12345), headers=user.headers)
    assert response.status == 201
    upload = (await response.json())["upload"]
    query = parse_qs(urlsplit(upload["url"]).query)
    signed = query["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-type", "content-length", "host"} <= set(signed)
    assert upload["headers"] == {"Content-Type": "video/mp4"}
