"""A small client of the public API, as a test's user would use it."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp


class ApiError(AssertionError):
    pass


class User:
    def __init__(self, http: aiohttp.ClientSession, base_url: str) -> None:
        self.http = http
        self.base_url = base_url
        self.email = f"user-{uuid.uuid4().hex[:8]}@example.com"
        self.password = "correct horse 9 battery"
        self.token = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def call(
        self, method: str, path: str, *, expect: int, auth: bool = True, **kwargs: Any
    ) -> Any:
        headers = {**(self.auth if auth else {}), **kwargs.pop("headers", {})}
        async with self.http.request(
            method, f"{self.base_url}{path}", headers=headers, allow_redirects=False, **kwargs
        ) as response:
            body = await response.read()
            if response.status != expect:
                raise ApiError(f"{method} {path}: {response.status} (wanted {expect}): {body!r}")
            if response.content_type.endswith("json") and body:
                return await response.json(content_type=None)
            return response

    async def sign_up(self) -> User:
        await self.call(
            "POST",
            "/v1/auth/register",
            expect=201,
            auth=False,
            json={"email": self.email, "password": self.password, "display_name": "Test"},
        )
        tokens = await self.call(
            "POST",
            "/v1/auth/login",
            expect=200,
            auth=False,
            json={"email": self.email, "password": self.password},
        )
        self.token = tokens["access_token"]
        return self

    async def upload(
        self,
        path: Path,
        *,
        title: str,
        content_type: str = "video/mp4",
        visibility: str = "private",
        request_id: str | None = None,
    ) -> dict[str, Any]:
        data = path.read_bytes()
        created = await self.call(
            "POST",
            "/v1/videos",
            expect=201,
            headers={"X-Request-Id": request_id} if request_id else {},
            json={
                "title": title,
                "visibility": visibility,
                "filename": path.name,
                "content_type": content_type,
                "size_bytes": len(data),
            },
        )
        upload = created["upload"]
        assert upload["method"] == "PUT"
        async with self.http.put(upload["url"], data=data, headers=upload["headers"]) as put:
            assert put.status == 200, await put.text()
        video: dict[str, Any] = created["video"]
        return video

    async def wait_for_status(
        self, video_id: str, statuses: set[str], timeout_s: float = 60, interval_s: float = 0.1
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        seen: list[str] = []
        while True:
            video: dict[str, Any] = await self.call("GET", f"/v1/videos/{video_id}", expect=200)
            if not seen or seen[-1] != video["status"]:
                seen.append(video["status"])
            if video["status"] in statuses:
                return video
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"video {video_id} went through {seen}, never {statuses} in {timeout_s} s"
                )
            await asyncio.sleep(interval_s)
