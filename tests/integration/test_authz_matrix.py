"""Who may do what to a video: one table, every cell the exact answer.

visibility (public / unlisted / private) by caller (owner / another user / anonymous) by action
(read, list, edit, delete, download, events stream). Another user's private video is a 404,
never a 403: its existence is not revealed. Another user may see a public or unlisted video
but not change it (403). An anonymous caller is asked to log in (401) for changes.

The videos are ready (renditions in S3) so that reads, downloads and streams have something to
answer; `list` means "appears in the listing the caller sees" (the owner's `scope=mine`, the
public feed for everyone else). Edits and deletes act on a fresh video each.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api_support import (
    PROBLEM,
    Client,
    Stack,
    User,
    create_video,
    make_ready,
    sign_up,
)

pytestmark = pytest.mark.integration

VISIBILITIES = ("public", "unlisted", "private")
CALLERS = ("owner", "other", "anonymous")
LISTED, NOT_LISTED = "listed", "not listed"

# action → caller → visibility → the answer
MATRIX: dict[str, dict[str, dict[str, int | str]]] = {
    "read": {
        "owner": {"public": 200, "unlisted": 200, "private": 200},
        "other": {"public": 200, "unlisted": 200, "private": 404},
        "anonymous": {"public": 200, "unlisted": 200, "private": 404},
    },
    "list": {
        "owner": {"public": LISTED, "unlisted": LISTED, "private": LISTED},
        "other": {"public": LISTED, "unlisted": NOT_LISTED, "private": NOT_LISTED},
        "anonymous": {"public": LISTED, "unlisted": NOT_LISTED, "private": NOT_LISTED},
    },
    "edit": {
        "owner": {"public": 200, "unlisted": 200, "private": 200},
        "other": {"public": 403, "unlisted": 403, "private": 404},
        "anonymous": {"public": 401, "unlisted": 401, "private": 401},
    },
    "delete": {
        "owner": {"public": 202, "unlisted": 202, "private": 202},
        "other": {"public": 403, "unlisted": 403, "private": 404},
        "anonymous": {"public": 401, "unlisted": 401, "private": 401},
    },
    "download": {
        "owner": {"public": 302, "unlisted": 302, "private": 302},
        "other": {"public": 302, "unlisted": 302, "private": 404},
        "anonymous": {"public": 302, "unlisted": 302, "private": 404},
    },
    "events": {
        "owner": {"public": 200, "unlisted": 200, "private": 200},
        "other": {"public": 200, "unlisted": 200, "private": 404},
        "anonymous": {"public": 200, "unlisted": 200, "private": 404},
    },
}

CELLS = [
    pytest.param(action, caller, visibility, expected, id=f"{action}-{caller}-{visibility}")
    for action, by_caller in MATRIX.items()
    for caller, by_visibility in by_caller.items()
    for visibility, expected in by_visibility.items()
]


class People:
    def __init__(self, owner: User, other: User) -> None:
        self.owner = owner
        self.other = other

    def headers(self, caller: str) -> dict[str, str]:
        if caller == "anonymous":
            return {}
        return (self.owner if caller == "owner" else self.other).headers


@pytest.fixture(scope="module")
async def people(api: Client) -> People:
    return People(await sign_up(api), await sign_up(api))


async def _ready_video(api: Client, stack: Stack, owner: User, visibility: str) -> str:
    created = await create_video(api, owner, visibility=visibility)
    video_id: str = created["video"]["id"]
    await make_ready(stack.aws, stack.settings, video_id)
    return video_id


@pytest.fixture(scope="module")
async def videos(api: Client, stack: Stack, people: People) -> dict[str, str]:
    """One ready video per visibility, for the actions that change nothing."""
    return {v: await _ready_video(api, stack, people.owner, v) for v in VISIBILITIES}


async def _answer(
    api: Client, action: str, video_id: str, caller: str, people: People
) -> int | str:
    headers = people.headers(caller)
    path = f"/v1/videos/{video_id}"
    if action == "list":
        scope = "mine" if caller == "owner" else "public"
        response = await api.get(
            "/v1/videos", params={"scope": scope, "limit": "100"}, headers=headers
        )
        assert response.status == 200, await response.text()
        ids = {item["id"] for item in (await response.json())["items"]}
        return LISTED if video_id in ids else NOT_LISTED
    if action == "read":
        response = await api.get(path, headers=headers)
    elif action == "edit":
        response = await api.patch(path, json={"title": "Renamed"}, headers=headers)
    elif action == "delete":
        response = await api.delete(path, headers=headers)
    elif action == "download":
        response = await api.get(f"{path}/download", headers=headers, allow_redirects=False)
    else:
        response = await api.get(f"{path}/events", headers=headers)
    body = await response.read()  # a ready video's stream ends after its first event
    _assert_shape(action, response.status, response.content_type, body)
    return response.status


def _assert_shape(action: str, status: int, content_type: str, body: bytes) -> None:
    if status >= 400:
        assert content_type == PROBLEM, (status, body[:200])
    elif action == "events":
        assert content_type == "text/event-stream"
        assert b"event: status" in body
        assert b'"ready"' in body


@pytest.mark.parametrize(("action", "caller", "visibility", "expected"), CELLS)
async def test_authorization_matrix(
    api: Client,
    stack: Stack,
    people: People,
    videos: dict[str, str],
    action: str,
    caller: str,
    visibility: str,
    expected: int | str,
) -> None:
    changes = action in {"edit", "delete"}
    video_id = (
        await _ready_video(api, stack, people.owner, visibility) if changes else videos[visibility]
    )
    assert await _answer(api, action, video_id, caller, people) == expected
    if changes and expected not in {200, 202}:  # a refused change changed nothing
        unchanged = await api.get(f"/v1/videos/{video_id}", headers=people.headers("owner"))
        video: dict[str, Any] = await unchanged.json()
        assert (video["title"], video["status"]) == ("Holiday", "ready")
