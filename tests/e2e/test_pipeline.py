"""The whole pipeline against real processes: HTTP → S3 → SNS/SQS → workers → DynamoDB."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import av
import pytest

from tests.e2e.client import User
from tests.media import accepted_clip, make_clip
from tests.media_checks import Expected, check_output_set
from tests.stack import Stack
from videoshare.aws import open_clients
from videoshare.domain import keys

pytestmark = pytest.mark.e2e

FULL_LADDER = [("720p", 1280, 720), ("480p", 854, 480), ("360p", 640, 360), ("240p", 426, 240)]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_upload_becomes_ready_and_plays(
    stack: Stack, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    clip = accepted_clip("720p-10s")
    user = await User(http, stack.base_url).sign_up()
    request_id = f"e2e-{uuid.uuid4().hex}"
    created = await user.upload(clip, title="A walk in the park", request_id=request_id)
    assert created["status"] == "awaiting_upload"

    video = await user.wait_for_status(
        created["id"], {"ready", "rejected", "failed"}, timeout_s=240
    )

    assert video["status"] == "ready", video
    assert video["duration_s"] == pytest.approx(10.0, abs=0.2)
    assert (video["width"], video["height"]) == (1280, 720)
    assert video["size_bytes"] == clip.stat().st_size
    assert [(r["name"], r["width"], r["height"]) for r in video["renditions"]] == FULL_LADDER
    assert video["poster_url"]
    top = max(video["renditions"], key=lambda r: r["height"])

    # the complete output set is in the bucket: MP4s, HLS master + variants + segments,
    # poster, storyboard sprite and VTT, and nothing else
    check_output_set(
        await _media_files(stack, video["id"]),
        Expected(ladder=FULL_LADDER, duration_s=10.0, has_audio=True),
    )

    # the rendition downloads, and is H.264 at the size the API says
    redirect = await user.call(
        "GET", f"/v1/videos/{video['id']}/download?rendition={top['name']}", expect=302
    )
    async with http.get(redirect.headers["Location"]) as response:
        assert response.status == 200
        assert "attachment" in response.headers.get("Content-Disposition", "")
        downloaded = media_dir / "downloaded.mp4"
        downloaded.write_bytes(await response.read())
    with av.open(str(downloaded)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert [a.codec_context.name for a in container.streams.audio] == ["aac"]
        assert (stream.codec_context.width, stream.codec_context.height) == (
            top["width"],
            top["height"],
        )

    # exactly one notification, counted once the pipeline has settled
    await _wait_for_notifications(user, 1)
    await stack.wait_until_idle()
    notes = (await user.call("GET", "/v1/notifications", expect=200))["items"]
    assert len(notes) == 1
    (note,) = notes
    assert note["type"] == "video.ready"
    assert note["video_id"] == video["id"]
    assert "A walk in the park" in note["message"]

    # the request's id followed the video through every hop, the S3 upload included
    for worker in ("upload-finalizer", "transcoder", "metadata-indexer", "notifier"):
        handled = [
            line
            for line in stack.log_lines(worker)
            if line.get("event") == "message handled"
            and line.get("outcome") == "done"
            and line.get("correlation_id") == request_id
        ]
        assert handled, f"{worker} handled nothing with correlation id {request_id}"


async def test_text_file_named_mp4_is_rejected_with_a_reason(
    stack: Stack, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    fake = media_dir / "holiday.mp4"
    fake.write_text("this is a shopping list, not a video\n" * 20)
    user = await User(http, stack.base_url).sign_up()
    created = await user.upload(fake, title="Not really a video")

    video = await user.wait_for_status(created["id"], {"ready", "rejected", "failed"})

    assert video["status"] == "rejected"
    reason = video["status_reason"]
    assert "not a video" in reason.lower()
    assert reason.endswith(".")  # a sentence, not a code
    notes = await _wait_for_notifications(user, 1)
    assert notes[0]["type"] == "video.rejected"


async def test_another_user_gets_404_for_a_private_video(
    stack: Stack, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    clip = make_clip(media_dir / "private.mp4", seconds=1, width=160, height=120)
    owner = await User(http, stack.base_url).sign_up()
    video = await owner.upload(clip, title="Only mine", visibility="private")
    stranger = await User(http, stack.base_url).sign_up()

    missing = await stranger.call("GET", f"/v1/videos/{video['id']}", expect=404)
    unknown = await stranger.call("GET", f"/v1/videos/{'0' * 32}", expect=404)

    # the same answer as for a video that does not exist: nothing leaks
    assert missing["title"] == unknown["title"]
    assert missing["status"] == 404
    await stranger.call("GET", f"/v1/videos/{video['id']}/download", expect=404)
    mine = await stranger.call("GET", "/v1/videos?scope=mine", expect=200)
    assert mine["items"] == []


async def _media_files(stack: Stack, video_id: str) -> dict[str, bytes]:
    """Every object of the video's media folder in S3, by its path inside that folder."""
    prefix = keys.media_prefix(video_id)
    files = {}
    async with open_clients(stack.settings) as aws:
        bucket = stack.settings.bucket
        listing = await aws.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
        for item in listing.get("Contents", []):
            obj = await aws.s3.get_object(Bucket=bucket, Key=item["Key"])
            async with obj["Body"] as body:
                files[item["Key"].removeprefix(prefix)] = await body.read()
    return files


async def _wait_for_notifications(
    user: User, count: int, timeout_s: float = 30
) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout_s
    while True:
        page = await user.call("GET", "/v1/notifications", expect=200)
        if len(page["items"]) >= count or time.monotonic() > deadline:
            return list(page["items"])
        await asyncio.sleep(0.1)
