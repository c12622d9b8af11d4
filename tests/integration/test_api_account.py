"""The account's lifecycle through the ingress against the real emulator: a forgotten password
reset with the code the pool sent, a password changed while logged in, a code sent again, and
an account deleted — its tokens refused at once by every ingress process, then everything of
it removed by housekeeping, until no table and no key of the bucket names it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.api_support import (
    PASSWORD,
    Client,
    Stack,
    create_video,
    expect_problem,
    make_ready,
    running_api,
    sign_up,
    unique_email,
)
from tests.integration.worker_support import start_worker
from videoshare.adapters.notifications import NotificationRepository
from videoshare.adapters.webhooks import WebhookRepository
from videoshare.domain.events import utc_now
from videoshare.domain.notifications import Notification
from videoshare.entrypoints.workers import housekeeping
from videoshare.infra.topology import HOUSEKEEPING, NOTIFICATIONS_TABLE, WEBHOOKS_TABLE

pytestmark = pytest.mark.integration

NEW_PASSWORD = "battery staple 7"


async def test_a_forgotten_password_is_reset_with_the_code_and_changed_later(
    api: Client,
) -> None:
    user = await sign_up(api)
    asked = await api.post("/v1/auth/password/forgot", json={"email": user.email.upper()})
    assert asked.status == 202
    assert asked.headers["Cache-Control"] == "no-store"
    code = (await asked.json())["code"]  # local mode: the code the emulator made
    unknown = await api.post("/v1/auth/password/forgot", json={"email": unique_email()})
    assert unknown.status == 202
    assert await unknown.json() == {"sent": True}  # an unknown address is answered alike
    for body in ({}, {"email": "nobody"}, {"email": user.email, "admin": True}):
        await expect_problem(await api.post("/v1/auth/password/forgot", json=body), 422)

    # The emulator checks codes of its own form only, so a wrong one keeps that form.
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    for body, status, slug in (
        ({"email": user.email, "code": wrong, "password": NEW_PASSWORD}, 422,
         "bad-confirmation-code"),
        ({"email": user.email, "code": code}, 422, "validation"),
        ({"email": user.email, "code": "", "password": NEW_PASSWORD}, 422, "validation"),
        ({"email": "not-an-address", "code": code, "password": NEW_PASSWORD}, 422,
         "validation"),
    ):  # fmt: skip
        await expect_problem(await api.post("/v1/auth/password/reset", json=body), status, slug)
    reset = await api.post(
        "/v1/auth/password/reset",
        json={"email": user.email, "code": code, "password": NEW_PASSWORD},
    )
    assert reset.status == 204
    old = await api.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    await expect_problem(old, 401, "bad-credentials")
    login = await api.post("/v1/auth/login", json={"email": user.email, "password": NEW_PASSWORD})
    assert login.status == 200
    headers = {"Authorization": f"Bearer {(await login.json())['access_token']}"}

    change = "/v1/me/password"
    await expect_problem(
        await api.post(change, json={"current_password": NEW_PASSWORD, "password": "x"}), 401
    )
    for body, status, slug in (
        ({"current_password": "guess", "password": PASSWORD}, 403, "wrong-password"),
        ({"current_password": NEW_PASSWORD, "password": "short"}, 422, "weak-password"),
        ({"password": PASSWORD}, 422, "validation"),
        ({"current_password": NEW_PASSWORD, "password": PASSWORD, "admin": True}, 422,
         "validation"),
    ):  # fmt: skip
        await expect_problem(await api.post(change, json=body, headers=headers), status, slug)
    changed = await api.post(
        change, json={"current_password": NEW_PASSWORD, "password": PASSWORD}, headers=headers
    )
    assert changed.status == 204
    again = await api.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert again.status == 200


async def test_a_code_is_sent_again_only_where_one_is_wanted(api: Client) -> None:
    user = await sign_up(api)  # local mode confirms at once
    await expect_problem(
        await api.post("/v1/auth/resend-code", json={"email": user.email}),
        409,
        "already-confirmed",
    )
    unknown = await api.post("/v1/auth/resend-code", json={"email": unique_email()})
    assert unknown.status == 202
    await expect_problem(await api.post("/v1/auth/resend-code", json={}), 422, "validation")
    await expect_problem(await api.post("/v1/auth/resend-code", data=b"email=a@b.c"), 400)


async def _everything_named(stack: Stack, needles: set[str]) -> list[str]:
    """Every key of the bucket and every item of every table of the stack that names any of
    `needles`."""
    found: list[str] = []
    paginator = stack.aws.s3.get_paginator("list_objects_v2")
    async for page in paginator.paginate(Bucket=stack.resources.bucket):
        found += [o["Key"] for o in page.get("Contents", []) if any(n in o["Key"] for n in needles)]
    uploads = await stack.aws.s3.list_multipart_uploads(Bucket=stack.resources.bucket)
    found += [u["Key"] for u in uploads.get("Uploads", []) if any(n in u["Key"] for n in needles)]
    tables: list[str] = []  # a page holds 100 names, and the suite's emulator holds more
    async for listed in stack.aws.dynamodb.get_paginator("list_tables").paginate():
        tables += listed["TableNames"]
    mine = [t for t in tables if t.startswith(f"{stack.settings.stack}-")]
    assert len(mine) >= 6, mine
    for table in mine:
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {"TableName": table}
            if start:
                kwargs["ExclusiveStartKey"] = start
            answer = await stack.aws.dynamodb.scan(**kwargs)
            items += answer.get("Items", [])
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
        found += [
            f"{table}: {text}"
            for text in (json.dumps(i) for i in items)
            if any(n in text for n in needles)
        ]
    return found


async def test_a_deleted_account_is_refused_at_once_everywhere_and_leaves_nothing(
    api: Client, stack: Stack
) -> None:
    ann, bob = await sign_up(api), await sign_up(api)
    ready = (await create_video(api, ann, visibility="public"))["video"]
    await make_ready(stack.aws, stack.settings, ready["id"], visibility="public")
    waiting = (await create_video(api, ann, size_bytes=6 * 1024**2))["video"]
    kept = (await create_video(api, bob))["video"]
    await make_ready(stack.aws, stack.settings, kept["id"])
    hooks = WebhookRepository(stack.aws.dynamodb, stack.settings.table(WEBHOOKS_TABLE))
    await hooks.put(ann.user_id, "https://hooks.example.com/ann")
    inbox = NotificationRepository(stack.aws.dynamodb, stack.settings.table(NOTIFICATIONS_TABLE))
    await inbox.add(
        Notification(
            id="n-" + ready["id"], user_id=ann.user_id, type="video.ready",
            video_id=ready["id"], created_at=utc_now(), message="Ready.",
        )
    )  # fmt: skip
    failed = await api.post("/v1/auth/login", json={"email": ann.email, "password": "guess"})
    await expect_problem(failed, 401, "bad-credentials")  # a counter under the account

    async with running_api(stack.settings) as elsewhere:  # another ingress process
        assert (await elsewhere.get("/v1/me", headers=ann.headers)).status == 200  # trusted now
        await expect_problem(
            await api.delete("/v1/me", json={"password": "guess"}, headers=ann.headers),
            403,
            "wrong-password",
        )
        await expect_problem(await api.delete("/v1/me", json={}, headers=ann.headers), 422)
        await expect_problem(await api.delete("/v1/me", json={"password": PASSWORD}), 401)
        deleted = await api.delete("/v1/me", json={"password": PASSWORD}, headers=ann.headers)
        assert deleted.status == 202, await deleted.text()
        for client in (api, elsewhere):
            await expect_problem(await client.get("/v1/me", headers=ann.headers), 401)
        refreshed = await api.post("/v1/auth/refresh", json={"refresh_token": ann.refresh_token})
        await expect_problem(refreshed, 401)
        again = await api.post("/v1/auth/login", json={"email": ann.email, "password": PASSWORD})
        await expect_problem(again, 401, "bad-credentials")  # before housekeeping ran too
    assert (await api.get("/v1/me", headers=bob.headers)).status == 200

    worker = start_worker(
        HOUSEKEEPING, housekeeping.definition, stack.settings, stack.aws, stack.resources
    )
    settled = await worker.drain()
    assert [s.outcome.value for s in settled if s.event_type == "account.deleted"] == ["done"]

    needles = {ann.user_id, ann.email, ready["id"], waiting["id"]}
    assert await _everything_named(stack, needles) == []
    assert await _everything_named(stack, {kept["id"], bob.user_id}) != []  # bob's stay
    login = await api.post("/v1/auth/login", json={"email": ann.email, "password": PASSWORD})
    await expect_problem(login, 401, "bad-credentials")  # the user is gone from the pool
    found = await api.get(f"/v1/videos/{ready['id']}")
    await expect_problem(found, 404)
