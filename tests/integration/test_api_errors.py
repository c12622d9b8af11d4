"""Bad input anywhere is a 4xx `application/problem+json`, never a 500 or a traceback."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.integration.api_support import (
    Client,
    User,
    expect_problem,
    sign_up,
    video_body,
)

pytestmark = pytest.mark.integration

# A well-formed JWT (RS256 header, plausible claims, exp in 2001) signed by nobody we know.
EXPIRED_LOOKING = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImR1bW15IiwidHlwIjoiSldUIn0."
    "eyJzdWIiOiJ4IiwidG9rZW5fdXNlIjoiYWNjZXNzIiwiZXhwIjo5ODk2MjU2MDB9."
    "c2lnbmF0dXJl"
)


@pytest.fixture(scope="module")
async def user(api: Client) -> User:
    return await sign_up(api)


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    status: int
    slug: str
    json: Any = None
    data: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: bool = True
    pointer: str | None = None  # a field error expected at this JSON pointer / parameter


def _video(status: int, slug: str, pointer: str | None = None, **fields: Any) -> Case:
    """POST /v1/videos with a good body changed by `fields`."""
    return Case("POST", "/v1/videos", status, slug, json=video_body(**fields), pointer=pointer)


def _raw(status: int, slug: str, data: bytes, content_type: str = "application/json") -> Case:
    return Case(
        "POST", "/v1/videos", status, slug, data=data, headers={"Content-Type": content_type}
    )


def _get(path: str, status: int, slug: str, pointer: str | None = None, **kw: Any) -> Case:
    return Case("GET", path, status, slug, pointer=pointer, **kw)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": token}


UNKNOWN_ID = uuid.uuid4().hex
NO_TITLE = {k: v for k, v in video_body().items() if k != "title"}
TAGS_21 = [f"t{i}" for i in range(21)]
BIG_BODY = b'{"title": "' + b"x" * 70_000 + b'"}'
CASES = {
    "malformed JSON": _raw(400, "malformed-json", b'{"title": '),
    "empty body": _raw(400, "malformed-json", b""),
    "not JSON at all": _raw(400, "not-json", b"title=x", "application/x-www-form-urlencoded"),
    "body too large": _raw(413, "body-too-large", BIG_BODY),
    "array body": Case("POST", "/v1/videos", 422, "validation", json=[video_body()], pointer="#"),
    "missing title": Case("POST", "/v1/videos", 422, "validation", json=NO_TITLE,
                          pointer="#/title"),
    "blank title": _video(422, "validation", "#/title", title="   "),
    "title too long": _video(422, "validation", "#/title", title="x" * 201),
    "description too long": _video(422, "validation", "#/description", description="x" * 5001),
    "too many tags": _video(422, "validation", "#/tags", tags=TAGS_21),
    "tag too long": _video(422, "validation", "#/tags/0", tags=["x" * 41]),
    "unknown visibility": _video(422, "validation", "#/visibility", visibility="friends"),
    "unknown field": _video(422, "validation", "#/owner_id", owner_id="someone"),
    "size as a string": _video(422, "validation", "#/size_bytes", size_bytes="11"),
    "size zero": _video(422, "validation", "#/size_bytes", size_bytes=0),
    "size negative": _video(422, "validation", "#/size_bytes", size_bytes=-5),
    "size absurd": _video(413, "upload-too-large", "#/size_bytes", size_bytes=10**18),
    "size over the limit": _video(
        413, "upload-too-large", "#/size_bytes", size_bytes=10 * 1024**3 + 1
    ),
    "text/plain": _video(415, "not-a-video", "#/content_type", content_type="text/plain"),
    "not a video filename": _video(415, "not-a-video", "#/filename", filename="notes.txt"),
    "register without password": Case("POST", "/v1/auth/register", 422, "validation",
        json={"email": "a@example.com"}, auth=False, pointer="#/password"),
    "register with a bad e-mail": Case("POST", "/v1/auth/register", 422, "validation",
        json={"email": "nope", "password": "abcdefg1"}, auth=False, pointer="#/email"),
    "login with a number": Case("POST", "/v1/auth/login", 422, "validation",
        json={"email": "a@example.com", "password": 12345678}, auth=False, pointer="#/password"),
    "refresh with garbage": Case("POST", "/v1/auth/refresh", 401, "session-ended",
        json={"refresh_token": "garbage"}, auth=False),
    "unknown video id": _get(f"/v1/videos/{UNKNOWN_ID}", 404, "not-found"),
    "malformed video id": _get("/v1/videos/..%2F..%2Fetc", 404, "not-found"),
    "bad cursor": _get("/v1/videos?scope=mine&cursor=not-a-cursor", 400, "bad-cursor", "cursor"),
    "alien cursor": _get("/v1/videos?scope=mine&cursor=eyJpZCI6IngifQ", 400, "bad-cursor",
                         "cursor"),
    "limit 1000": _get("/v1/videos?scope=mine&limit=1000", 422, "validation", "limit"),
    "limit not a number": _get("/v1/videos?limit=ten", 422, "validation", "limit"),
    "unknown scope": _get("/v1/videos?scope=everything", 422, "validation", "scope"),
    "search for nothing": _get("/v1/videos?q=%21%3F", 422, "validation", "q"),
    "search cursor from elsewhere": _get("/v1/videos?q=cats&cursor=eyJpZCI6IngifQ", 400,
                                         "bad-cursor", "cursor"),
    "inbox bad cursor": _get("/v1/notifications?cursor=%25%25", 400, "bad-cursor", "cursor"),
    "missing token": _get("/v1/videos?scope=mine", 401, "unauthenticated", auth=False),
    "garbage token": _get("/v1/me", 401, "invalid-token", auth=False,
                          headers=_bearer("Bearer garbage")),
    "not a bearer": _get("/v1/me", 401, "invalid-token", auth=False,
                         headers=_bearer("Basic dXNlcjpwYXNz")),
    "expired-looking token": _get("/v1/me", 401, "invalid-token", auth=False,
                                  headers=_bearer(f"Bearer {EXPIRED_LOOKING}")),
    "unknown route": _get("/v1/nothing-here", 404, "not-found", auth=False),
    "wrong method": Case("PUT", "/healthz", 405, "method-not-allowed", auth=False),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_bad_input_is_a_problem(api: Client, user: User, case: Case) -> None:
    headers = {**(user.headers if case.auth else {}), **case.headers}
    response = await api.request(
        case.method, case.path, json=case.json, data=case.data, headers=headers
    )
    body = await expect_problem(response, case.status, case.slug)
    if case.pointer is not None:
        where = {e.get("pointer") or e.get("parameter") for e in body["errors"]}
        assert case.pointer in where, body
    if case.status == 405:
        assert "GET" in response.headers["Allow"]
    if case.status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_unknown_and_malformed_ids_get_the_same_answer(api: Client, user: User) -> None:
    unknown = await expect_problem(await api.get(f"/v1/videos/{UNKNOWN_ID}"), 404)
    malformed = await expect_problem(await api.get("/v1/videos/NOT-AN-ID"), 404)
    assert unknown == malformed
