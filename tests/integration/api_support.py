"""Helpers for the ingress tests (no tests here): the real app in-process, users, problems.

The app runs with aiohttp's own test utilities (`TestServer`/`TestClient`) against the real
emulator process; every helper speaks HTTP to it like a client would.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from tests.media import make_clip
from tests.support import rewrite, unique_stack
from videoshare.adapters.videos import VideoRepository
from videoshare.aws import AwsClients, open_clients
from videoshare.domain import keys
from videoshare.domain.video import (
    MediaOutputs,
    Rendition,
    Video,
    VideoEdit,
    Visibility,
)
from videoshare.entrypoints.http.app import create_app
from videoshare.infra.provision import provision
from videoshare.infra.resources import Resources
from videoshare.infra.topology import VIDEOS_TABLE
from videoshare.local.emulator import Emulator
from videoshare.media.transcode import ffmpeg_executable
from videoshare.settings import Settings

Client = TestClient[web.Request, web.Application]
T = TypeVar("T")

PASSWORD = "correct horse 42"
PROBLEM = "application/problem+json"


@asynccontextmanager
async def running_api(
    settings: Settings, app: web.Application | None = None
) -> AsyncIterator[Client]:
    """The ingress app (or `app`, made by `create_app`), started and served on a free port."""
    async with TestClient(TestServer(app or create_app(settings))) as client:
        yield client


@dataclass(frozen=True)
class Stack:
    settings: Settings
    aws: AwsClients
    resources: Resources


@asynccontextmanager
async def provisioned_stack(emulator: Emulator) -> AsyncIterator[Stack]:
    """A fresh, provisioned stack for one test module.

    Provisioning costs 1-2 s here, so each test module shares one stack (under its own fresh
    name) and each test keeps to its own users; nothing a test asserts depends on another.
    """
    settings = Settings(
        stack=unique_stack("api"),
        aws_endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    async with open_clients(settings) as aws:
        resources = await provision(aws, settings)
        yield Stack(settings, aws, resources)


@dataclass(frozen=True)
class User:
    email: str
    user_id: str
    access_token: str
    refresh_token: str
    id_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def sign_up(client: Client, email: str | None = None, password: str = PASSWORD) -> User:
    """Register (confirmed at once in local mode) and log in."""
    email = email or unique_email()
    registered = await client.post("/v1/auth/register", json={"email": email, "password": password})
    assert registered.status == 201, await registered.text()
    user_id = (await registered.json())["user_id"]
    login = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert login.status == 200, await login.text()
    tokens = await login.json()
    return User(email, user_id, tokens["access_token"], tokens["refresh_token"], tokens["id_token"])


def video_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Holiday",
        "description": "Sea and sand.",
        "tags": ["Beach", " summer "],
        "visibility": "private",
        "filename": "holiday.mp4",
        "content_type": "video/mp4",
        "size_bytes": 11,
    }
    body.update(overrides)
    return body


async def create_video(client: Client, user: User, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/videos", json=video_body(**overrides), headers=user.headers)
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def expect_problem(response: ClientResponse, status: int, slug: str | None = None) -> Any:
    """Assert an RFC 9457 problem with `status` (and type `slug`); return its body."""
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == PROBLEM, (response.content_type, text)
    assert response.headers.get("X-Request-Id"), "every response carries X-Request-Id"
    body = await response.json(content_type=PROBLEM)
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert "Traceback" not in text
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


async def poll(
    probe: Callable[[], Awaitable[T | None]], *, timeout_s: float = 10.0, what: str = "it"
) -> T:
    """Call `probe` until it returns something other than None; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        await asyncio.sleep(0.05)


def cmaf_playlist(name: str, segments: int) -> bytes:
    """A finished media playlist of `segments` CMAF segments, as the transcoder stores it."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:4"]
    lines += ["#EXT-X-PLAYLIST-TYPE:EVENT", f'#EXT-X-MAP:URI="{name}_init.mp4"']
    for n in range(segments):
        lines += ["#EXTINF:4.000000,", f"{name}_{n:03d}.m4s"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""]).encode()


async def make_ready(
    aws: AwsClients, settings: Settings, video_id: str, *, visibility: str | None = None
) -> Video:
    """Walk a video to `ready` as the workers would, with two renditions (CMAF: a playlist
    naming an init segment and two segments, whose bytes say what they are: a rendition's
    file is `init-{name}seg-{name}-0seg-{name}-1`) and a poster in S3."""
    repo = VideoRepository(aws.dynamodb, settings.table(VIDEOS_TABLE))
    video = await repo.get(video_id)
    assert video is not None
    await aws.s3.put_object(Bucket=settings.bucket, Key=video.source_key, Body=b"source-bytes")
    renditions = []
    for name, width, height in (("360p", 640, 360), ("720p", 1280, 720)):
        key = keys.rendition_key(video_id, name)
        await aws.s3.put_object(Bucket=settings.bucket, Key=key, Body=cmaf_playlist(name, 2))
        hls = keys.hls_prefix(video_id)
        parts = {f"{name}_init.mp4": f"init-{name}"}
        parts |= {f"{name}_{n:03d}.m4s": f"seg-{name}-{n}" for n in range(2)}
        for part, body in parts.items():
            await aws.s3.put_object(Bucket=settings.bucket, Key=hls + part, Body=body.encode())
        renditions.append(
            Rendition(name=name, width=width, height=height, bitrate=width * 1000, key=key)
        )
    poster = keys.poster_key(video_id)
    await aws.s3.put_object(Bucket=settings.bucket, Key=poster, Body=b"jpeg")
    video = await repo.save(video.uploaded(), expected=video)
    video = await repo.save(video.processing(), expected=video)
    ready = video.ready(
        MediaOutputs(
            duration_s=5.3,
            width=1280,
            height=720,
            size_bytes=12,
            renditions=renditions,
            poster_key=poster,
        )
    )
    if visibility:
        ready = ready.edited(VideoEdit(visibility=Visibility(visibility)))
    return await repo.save(ready, expected=video)


async def make_playable(aws: AwsClients, settings: Settings, video: Video, work: Path) -> Video:
    """A ready `video` given a real CMAF HLS stream of a short clip (written by ffmpeg, as the
    transcoder writes it: master, a 240p variant, init segment, 1 s segments) under its HLS
    folder, and the record's `hls_master_key`."""
    clip = make_clip(work / "clip.mp4", seconds=3, width=320, height=240)
    out = work / "hls"
    out.mkdir()
    ffmpeg = await asyncio.create_subprocess_exec(
        *(ffmpeg_executable(), "-nostdin", "-hide_banner", "-loglevel", "error"),
        *("-i", str(clip), "-c", "copy", "-f", "hls", "-hls_time", "1"),
        *("-hls_playlist_type", "event", "-hls_segment_type", "fmp4"),
        *("-hls_fmp4_init_filename", "240p_init.mp4"),
        *("-hls_segment_filename", str(out / "240p_%03d.m4s"), "-master_pl_name", "master.m3u8"),
        str(out / "240p.m3u8"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    said, _ = await ffmpeg.communicate()
    assert ffmpeg.returncode == 0, said.decode(errors="replace")
    for path in out.iterdir():
        key = keys.hls_prefix(video.id) + path.name
        await aws.s3.put_object(Bucket=settings.bucket, Key=key, Body=path.read_bytes())
    repo = VideoRepository(aws.dynamodb, settings.table(VIDEOS_TABLE))
    return await rewrite(repo, video, hls_master_key=keys.hls_master_key(video.id))
