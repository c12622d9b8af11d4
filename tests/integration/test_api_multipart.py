"""Multipart uploads through the ingress: the parts go to S3 through presigned UploadPart URLs,
`…/upload/complete` joins them, `GET …/upload` resumes, and the finalizer takes it from there."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from tests.integration.api_support import (
    Client,
    Stack,
    User,
    create_video,
    expect_problem,
    running_api,
    sign_up,
)
from tests.integration.worker_support import EventSpy, start_worker
from tests.media import make_clip
from videoshare.adapters.videos import VideoRepository
from videoshare.domain.upload_plan import MIB
from videoshare.domain.video import VideoStatus
from videoshare.entrypoints.workers import upload_finalizer
from videoshare.infra.topology import UPLOAD_FINALIZER, VIDEOS_TABLE

pytestmark = pytest.mark.integration

PART = 5 * MIB  # the smallest part S3 (and the emulator) accepts
SIZE = PART + 1000  # two parts: 5 MiB and 1000 bytes


@pytest.fixture(scope="module")
async def mp_api(stack: Stack) -> AsyncIterator[Client]:
    """The ingress with the smallest multipart threshold and part size S3 allows."""
    settings = stack.settings.model_copy(
        update={"multipart_threshold_bytes": PART, "multipart_part_size_bytes": PART}
    )
    async with running_api(settings) as client:
        yield client


@pytest.fixture(scope="module")
def video_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real MP4 (so the finalizer accepts it), padded to `SIZE`."""
    clip = make_clip(Path(tmp_path_factory.mktemp("mp")) / "clip.mp4", seconds=1).read_bytes()
    assert len(clip) < SIZE
    return clip + b"\0" * (SIZE - len(clip))


async def _put(url: str, data: bytes) -> str:
    async with aiohttp.ClientSession() as http, http.put(url, data=io.BytesIO(data)) as answer:
        assert answer.status == 200, await answer.text()
        return answer.headers["ETag"]


async def _multipart(client: Client, user: User, **overrides: Any) -> dict[str, Any]:
    created = await create_video(client, user, size_bytes=SIZE, **overrides)
    assert created["upload"]["method"] == "MULTIPART"
    return created


def _repo(stack: Stack) -> VideoRepository:
    return VideoRepository(stack.aws.dynamodb, stack.settings.table(VIDEOS_TABLE))


async def test_small_files_keep_the_single_put(mp_api: Client) -> None:
    owner = await sign_up(mp_api)
    created = await create_video(mp_api, owner, size_bytes=PART)
    assert created["upload"]["method"] == "PUT"


async def test_upload_in_parts_resume_complete_and_the_finalizer_accepts_it_once(
    mp_api: Client, stack: Stack, video_bytes: bytes
) -> None:
    spy = await EventSpy.on_topic(stack.aws, stack.settings, stack.resources)
    owner = await sign_up(mp_api)
    created = await _multipart(mp_api, owner)
    video_id, upload = created["video"]["id"], created["upload"]
    assert set(upload) == {"method", "upload_id", "part_size", "parts", "expires_at"}
    assert upload["part_size"] == PART
    assert [p["part_number"] for p in upload["parts"]] == [1, 2]
    assert [p["size"] for p in upload["parts"]] == [PART, SIZE - PART]
    for part in upload["parts"]:  # S3 refuses a part of another size than its URL signs
        signed = parse_qs(urlsplit(part["url"]).query)["X-Amz-SignedHeaders"][0]
        assert "content-length" in signed.split(";")

    first = await _put(upload["parts"][0]["url"], video_bytes[:PART])
    # the client was interrupted; it asks what arrived and gets fresh URLs
    resumed = await mp_api.get(f"/v1/videos/{video_id}/upload", headers=owner.headers)
    assert resumed.status == 200, await resumed.text()
    state = await resumed.json()
    assert state["upload_id"] == upload["upload_id"]
    assert state["uploaded_parts"] == [{"part_number": 1, "etag": first.strip('"'), "size": PART}]
    assert [p["part_number"] for p in state["parts"]] == [1, 2]
    second = await _put(state["parts"][1]["url"], video_bytes[PART:])

    parts = [{"part_number": 1, "etag": first}, {"part_number": 2, "etag": second}]
    done = await mp_api.post(
        f"/v1/videos/{video_id}/upload/complete", json={"parts": parts}, headers=owner.headers
    )
    assert done.status == 202, await done.text()
    obj = await stack.aws.s3.get_object(
        Bucket=stack.resources.bucket, Key=f"uploads/{video_id}/source"
    )
    async with obj["Body"] as body:
        assert await body.read() == video_bytes
    assert obj["ContentType"] == "video/mp4"

    # replaying the call: the upload is over
    await expect_problem(
        await mp_api.post(
            f"/v1/videos/{video_id}/upload/complete", json={"parts": parts}, headers=owner.headers
        ),
        409,
        "upload-finished",
    )

    # the emulator tells of the completed object twice; the video is accepted once
    waiting = await _repo(stack).get(video_id)
    assert waiting is not None
    finalizer = start_worker(
        UPLOAD_FINALIZER, upload_finalizer.definition, stack.settings, stack.aws, stack.resources
    )
    settled = await finalizer.drain()
    assert len(settled) >= 2, settled
    video = await _repo(stack).get(video_id)
    assert video is not None
    assert (video.status, video.size_bytes) == (VideoStatus.UPLOADED, SIZE)
    assert video.version == waiting.version + 1  # one transition, however many notifications
    uploaded = [e for e in await spy.of_type("video.uploaded") if e.data.video_id == video_id]
    assert uploaded, "video.uploaded was published"
    assert len({e.id for e in uploaded}) == 1  # any repeat has the same id: a duplicate

    await expect_problem(
        await mp_api.post(
            f"/v1/videos/{video_id}/upload/complete", json={"parts": parts}, headers=owner.headers
        ),
        409,
        "upload-finished",
    )
    await expect_problem(
        await mp_api.get(f"/v1/videos/{video_id}/upload", headers=owner.headers),
        409,
        "upload-finished",
    )


@pytest.fixture(scope="module")
async def planned_16_mib_api(stack: Stack) -> AsyncIterator[Client]:
    """The ingress cutting uploads above 5 MiB into parts of 16 MiB."""
    settings = stack.settings.model_copy(
        update={"multipart_threshold_bytes": PART, "multipart_part_size_bytes": 16 * MIB}
    )
    async with running_api(settings) as client:
        yield client


async def test_a_part_larger_than_planned_is_refused_and_the_upload_aborted(
    planned_16_mib_api: Client, stack: Stack
) -> None:
    api = planned_16_mib_api
    owner = await sign_up(api)
    created = await create_video(api, owner, size_bytes=20 * MIB)  # parts of 16 and 4 MiB
    video_id, upload = created["video"]["id"], created["upload"]
    assert [p["size"] for p in upload["parts"]] == [16 * MIB, 4 * MIB]
    # straight to the emulator, which checks no signature: what a client could do to S3
    # without the signed Content-Length
    first = await _put(upload["parts"][0]["url"], b"x" * (40 * MIB))
    second = await _put(upload["parts"][1]["url"], b"y" * (4 * MIB))
    parts = [{"part_number": 1, "etag": first}, {"part_number": 2, "etag": second}]
    problem = await expect_problem(
        await api.post(
            f"/v1/videos/{video_id}/upload/complete", json={"parts": parts}, headers=owner.headers
        ),
        422,
        "part-too-large",
    )
    assert "part 1 is 41,943,040 bytes, planned 16,777,216" in problem["detail"]
    s3, bucket = stack.aws.s3, stack.resources.bucket
    listed = await s3.list_objects_v2(Bucket=bucket, Prefix=f"uploads/{video_id}/")
    assert listed.get("KeyCount", 0) == 0
    pending = await s3.list_multipart_uploads(Bucket=bucket, Prefix=f"uploads/{video_id}/")
    assert pending.get("Uploads", []) == []


async def test_s3_refusals_are_422_with_a_sentence(mp_api: Client) -> None:
    owner = await sign_up(mp_api)
    created = await _multipart(mp_api, owner)
    video_id, upload = created["video"]["id"], created["upload"]
    path = f"/v1/videos/{video_id}/upload/complete"
    first = await _put(upload["parts"][0]["url"], b"x" * 1000)  # too short for a first part
    second = await _put(upload["parts"][1]["url"], b"y" * 1000)

    wrong_etag = [{"part_number": 1, "etag": "0" * 32}, {"part_number": 2, "etag": second}]
    problem = await expect_problem(
        await mp_api.post(path, json={"parts": wrong_etag}, headers=owner.headers),
        422,
        "invalid-part",
    )
    assert "upload that part again" in problem["detail"]
    short = [{"part_number": 1, "etag": first}, {"part_number": 2, "etag": second}]
    await expect_problem(
        await mp_api.post(path, json={"parts": short}, headers=owner.headers),
        422,
        "part-too-small",
    )


@pytest.mark.parametrize(
    ("parts", "detail"),
    [
        ([{"part_number": 2, "etag": "b"}, {"part_number": 1, "etag": "a"}], "ascending"),
        ([{"part_number": 1, "etag": "a"}, {"part_number": 1, "etag": "a"}], "ascending"),
        ([{"part_number": 1, "etag": "a"}], "parts missing: 2"),
        (
            [{"part_number": n, "etag": "a"} for n in (1, 2, 3)],
            "there is no part 3",
        ),
    ],
)
async def test_part_lists_that_do_not_complete_the_upload_are_422(
    mp_api: Client, parts: list[dict[str, Any]], detail: str
) -> None:
    owner = await sign_up(mp_api)
    video_id = (await _multipart(mp_api, owner))["video"]["id"]
    problem = await expect_problem(
        await mp_api.post(
            f"/v1/videos/{video_id}/upload/complete", json={"parts": parts}, headers=owner.headers
        ),
        422,
        "validation",
    )
    assert detail in problem["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"parts": []},
        {"parts": "1,2"},
        {"parts": [{"part_number": 0, "etag": "a"}]},
        {"parts": [{"part_number": 10_001, "etag": "a"}]},
        {"parts": [{"part_number": "1", "etag": "a"}]},
        {"parts": [{"part_number": 1}]},
        {"parts": [{"part_number": 1, "etag": ""}]},
        {"parts": [{"part_number": 1, "etag": "x" * 129}]},
        {"parts": [{"part_number": 1, "etag": "a\nb"}]},
        {"parts": [{"part_number": 1, "etag": "a", "size": 3}]},
    ],
)
async def test_malformed_complete_bodies_are_422(mp_api: Client, body: dict[str, Any]) -> None:
    owner = await sign_up(mp_api)
    video_id = (await _multipart(mp_api, owner))["video"]["id"]
    await expect_problem(
        await mp_api.post(
            f"/v1/videos/{video_id}/upload/complete", json=body, headers=owner.headers
        ),
        422,
        "validation",
    )


async def test_who_may_complete_or_resume(mp_api: Client) -> None:
    owner, other = await sign_up(mp_api), await sign_up(mp_api)
    video_id = (await _multipart(mp_api, owner, visibility="public"))["video"]["id"]
    body = {"parts": [{"part_number": 1, "etag": "a"}, {"part_number": 2, "etag": "b"}]}
    complete, resume = f"/v1/videos/{video_id}/upload/complete", f"/v1/videos/{video_id}/upload"
    # not ready, so not visible to anyone else: 404 rather than 403
    await expect_problem(await mp_api.post(complete, json=body, headers=other.headers), 404)
    await expect_problem(await mp_api.get(resume, headers=other.headers), 404)
    await expect_problem(await mp_api.post(complete, json=body), 401, "unauthenticated")
    await expect_problem(await mp_api.get(resume), 401, "unauthenticated")
    for bad in ("nope", "0" * 32):
        await expect_problem(
            await mp_api.post(
                f"/v1/videos/{bad}/upload/complete", json=body, headers=owner.headers
            ),
            404,
        )
        await expect_problem(
            await mp_api.get(f"/v1/videos/{bad}/upload", headers=owner.headers), 404
        )


async def test_single_put_videos_resume_with_a_fresh_put_and_cannot_be_completed(
    mp_api: Client, stack: Stack
) -> None:
    owner = await sign_up(mp_api)
    created = await create_video(mp_api, owner)
    video_id = created["video"]["id"]
    before = await _repo(stack).get(video_id)
    resumed = await mp_api.get(f"/v1/videos/{video_id}/upload", headers=owner.headers)
    assert resumed.status == 200
    fresh = await resumed.json()
    assert (fresh["method"], fresh["headers"]) == ("PUT", {"Content-Type": "video/mp4"})
    after = await _repo(stack).get(video_id)
    assert before is not None
    assert after is not None
    assert after.upload_expires_at > before.upload_expires_at  # housekeeping waits longer
    await expect_problem(
        await mp_api.post(
            f"/v1/videos/{video_id}/upload/complete",
            json={"parts": [{"part_number": 1, "etag": "a"}]},
            headers=owner.headers,
        ),
        409,
        "not-multipart",
    )
