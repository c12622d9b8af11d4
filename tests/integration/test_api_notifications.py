"""The notification inbox through the ingress: the caller's own notes, newest first, paged."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest

from tests.integration.api_support import (
    Client,
    Stack,
    expect_problem,
    sign_up,
)
from videoshare.adapters.notifications import Notification, NotificationRepository
from videoshare.domain.events import utc_now
from videoshare.infra.topology import NOTIFICATIONS_TABLE

pytestmark = pytest.mark.integration


async def test_the_inbox_is_mine_newest_first_and_paged(api: Client, stack: Stack) -> None:
    me = await sign_up(api)
    other = await sign_up(api)
    inbox = NotificationRepository(stack.aws.dynamodb, stack.settings.table(NOTIFICATIONS_TABLE))
    start = utc_now()
    ids = []
    for i, user in enumerate([me, me, other, me]):
        note = Notification(
            id=str(uuid.uuid4()),
            user_id=user.user_id,
            type="video.ready",
            video_id=uuid.uuid4().hex,
            created_at=start + timedelta(seconds=i),
            message=f"note {i}",
        )
        await inbox.add(note)
        if user is me:
            ids.append(note.id)

    first = await api.get("/v1/notifications?limit=2", headers=me.headers)
    assert first.status == 200
    page = await first.json()
    assert set(page) == {"items", "next_cursor"}
    assert set(page["items"][0]) == {"id", "type", "video_id", "created_at", "message"}
    assert [n["id"] for n in page["items"]] == ids[::-1][:2]
    assert page["items"][0]["message"] == "note 3"

    rest = await api.get(
        "/v1/notifications", params={"limit": "2", "cursor": page["next_cursor"]},
        headers=me.headers,
    )  # fmt: skip
    assert [n["id"] for n in (await rest.json())["items"]] == ids[::-1][2:]

    # A cursor of someone else's inbox does not open it.
    theirs = json.loads(base64.urlsafe_b64decode(page["next_cursor"] + "=="))
    theirs["user_id"] = other.user_id
    forged = base64.urlsafe_b64encode(json.dumps(theirs).encode()).decode().rstrip("=")
    response = await api.get(f"/v1/notifications?cursor={forged}", headers=me.headers)
    await expect_problem(response, 400, "bad-cursor")

    await expect_problem(await api.get("/v1/notifications"), 401, "unauthenticated")
