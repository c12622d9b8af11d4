"""Videos through the ingress: create + presigned upload + `video.created`, read, list, download."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta

import aiohttp
import pytest

from tests.integration.api_support import (
    Client,
    Stack,
    create_video,
    expect_problem,
    make_ready,
    poll,
    sign_up,
    video_body,
)
from videoshare.adapters.videos import VideoRepository
from videoshare.domain.events import VideoCreated, parse_event, utc_now
from videoshare.infra.topology import VIDEOS_TABLE

pytestmark = pytest.mark.integration

VIDEO_KEYS = {
    "id", "owner_id", "title", "description", "tags", "visibility", "status", "created_at",
    "updated_at", "size_bytes", "renditions", "captions", "playable", "views",
}  # fmt: skip


async def _probe_queue(stack: Stack) -> str:
    """A queue of this test's own, subscribed to every event on the topic (raw delivery)."""
    aws = stack.aws
    name = f"{stack.settings.stack}-probe-{uuid.uuid4().hex[:8]}"
    url = (await aws.sqs.create_queue(QueueName=name))["QueueUrl"]
    attrs = await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    await aws.sns.subscribe(
        TopicArn=stack.resources.topic_arn,
        Protocol="sqs",
        Endpoint=attrs["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    return url


async def test_create_video_signs_an_upload_and_publishes_video_created(
    api: Client, stack: Stack
) -> None:
    aws, settings = stack.aws, stack.settings
    probe = await _probe_queue(stack)
    user = await sign_up(api)
    request_id = f"test-{uuid.uuid4().hex}"
    response = await api.post(
        "/v1/videos",
        json=video_body(),
        headers={**user.headers, "X-Request-Id": request_id},
    )
    assert response.status == 201, await response.text()
    assert response.headers["X-Request-Id"] == request_id
    created = await response.json()
    assert set(created) == {"video", "upload"}

    video = created["video"]
    assert set(video) == VIDEO_KEYS
    assert response.headers["Location"] == f"/v1/videos/{video['id']}"
    assert len(video["id"]) == 32
    assert int(video["id"], 16) >= 0
    assert video["owner_id"] == user.user_id
    assert video["status"] == "awaiting_upload"
    assert video["tags"] == ["beach", "summer"]
    assert video["size_bytes"] == 11  # the declared size until the real one is known
    assert video["renditions"] == []

    upload = created["upload"]
    assert set(upload) == {"method", "url", "headers", "expires_at"}
    assert upload["method"] == "PUT"
    assert upload["headers"] == {"Content-Type": "video/mp4"}
    expires_at = datetime.fromisoformat(upload["expires_at"])
    expected = utc_now() + timedelta(seconds=settings.upload_url_ttl_s)
    assert abs((expires_at - expected).total_seconds()) < 60

    async with aiohttp.ClientSession() as http:
        put = await http.put(upload["url"], data=b"hello video", headers=upload["headers"])
        assert put.status == 200, await put.text()
    head = await aws.s3.head_object(Bucket=settings.bucket, Key=f"uploads/{video['id']}/source")
    assert head["ContentLength"] == 11
    assert head["ContentType"] == "video/mp4"

    async def created_event() -> VideoCreated | None:
        answer = await aws.sqs.receive_message(
            QueueUrl=probe, WaitTimeSeconds=1, MaxNumberOfMessages=10
        )
        for message in answer.get("Messages", []):
            event = parse_event(message["Body"])
            if isinstance(event, VideoCreated) and event.data.video_id == video["id"]:
                return event
        return None

    event = await poll(created_event, what="video.created on the topic")
    assert event.correlation_id == request_id
    assert event.producer == "ingress"
    assert event.data.owner_id == user.user_id
    assert event.data.declared_size_bytes == 11
    assert event.data.content_type == "video/mp4"


async def test_presigned_upload_is_signed_for_type_and_length(api: Client) -> None:
    user = await sign_up(api)
    upload = (await create_video(api, user, size_bytes=1234))["upload"]
    signed = upload["url"].split("X-Amz-SignedHeaders=")[1].split("&")[0]
    assert signed.replace("%3B", ";").split(";") == ["content-length", "content-type", "host"]


async def test_a_private_video_is_its_owners_only(api: Client) -> None:
    owner = await sign_up(api)
    other = await sign_up(api)
    video = (await create_video(api, owner))["video"]

    mine = await api.get(f"/v1/videos/{video['id']}", headers=owner.headers)
    assert mine.status == 200
    assert await mine.json() == video

    someone_elses = await api.get(f"/v1/videos/{video['id']}", headers=other.headers)
    unknown = await api.get(f"/v1/videos/{uuid.uuid4().hex}", headers=other.headers)
    body = await expect_problem(someone_elses, 404, "not-found")
    assert body == await expect_problem(unknown, 404, "not-found")
    await expect_problem(await api.get(f"/v1/videos/{video['id']}"), 404, "not-found")


async def test_list_mine_is_newest_first_and_pages_with_a_cursor(api: Client) -> None:
    user = await sign_up(api)
    other = await sign_up(api)
    await create_video(api, other, title="not mine")
    ids = [(await create_video(api, user, title=f"v{i}"))["video"]["id"] for i in range(3)]

    first = await api.get("/v1/videos?scope=mine&limit=2", headers=user.headers)
    assert first.status == 200
    page = await first.json()
    assert set(page) == {"items", "next_cursor"}
    assert [v["id"] for v in page["items"]] == ids[::-1][:2]
    assert page["next_cursor"]

    second = await api.get(
        "/v1/videos", params={"scope": "mine", "limit": "2", "cursor": page["next_cursor"]},
        headers=user.headers,
    )  # fmt: skip
    rest = await second.json()
    assert [v["id"] for v in rest["items"]] == ids[::-1][2:]

    # A cursor edited to point into someone else's videos does not open them.
    start = json.loads(base64.urlsafe_b64decode(page["next_cursor"] + "=="))
    forged = {**start, "owner_id": other.user_id}
    cursor = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    response = await api.get(
        "/v1/videos", params={"scope": "mine", "cursor": cursor}, headers=user.headers
    )
    await expect_problem(response, 400, "bad-cursor")

    await expect_problem(await api.get("/v1/videos?scope=mine"), 401, "unauthenticated")


async def test_public_listing_and_download_of_a_ready_video(api: Client, stack: Stack) -> None:
    owner = await sign_up(api)
    viewer = await sign_up(api)
    created = await create_video(api, owner, visibility="public", filename="Été à la mer.mp4")
    video_id = created["video"]["id"]
    not_ready = await api.get(f"/v1/videos/{video_id}/download", headers=owner.headers)
    await expect_problem(not_ready, 409, "not-ready")
    await make_ready(stack.aws, stack.settings, video_id)

    anonymous = await api.get(f"/v1/videos/{video_id}")
    assert anonymous.status == 200
    shown = await anonymous.json()
    assert shown["status"] == "ready"
    assert {r["name"] for r in shown["renditions"]} == {"360p", "720p"}
    assert set(shown) == VIDEO_KEYS | {"duration_s", "width", "height", "poster_url"}
    assert shown["size_bytes"] == 12  # the measured size now
    pending = (await create_video(api, owner, visibility="public"))["video"]["id"]
    private = (await create_video(api, owner, visibility="private"))["video"]["id"]
    await make_ready(stack.aws, stack.settings, private)
    feed = await (await api.get("/v1/videos?scope=public&limit=100")).json()
    listed = [v["id"] for v in feed["items"]]
    assert video_id in listed
    assert pending not in listed  # not ready
    assert private not in listed
    hidden = await api.get(f"/v1/videos/{private}", headers=viewer.headers)
    await expect_problem(hidden, 404, "not-found")

    async with aiohttp.ClientSession() as http:
        poster = await http.get(shown["poster_url"])
        assert await poster.read() == b"jpeg"
        # Default: the largest rendition, saved under the upload's name.
        default = await api.get(f"/v1/videos/{video_id}/download", allow_redirects=False)
        assert default.status == 302
        got = await http.get(default.headers["Location"])
        # one copy of each rendition: its file is its CMAF init segment and segments, streamed
        whole = b"init-720pseg-720p-0seg-720p-1"
        assert (got.status, await got.read()) == (200, whole)
        assert (got.headers["Content-Length"], got.content_type) == (str(len(whole)), "video/mp4")
        assert got.headers["Accept-Ranges"] == "bytes"
        disposition = got.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="Ete a la mer-720p.mp4"')
        assert "filename*=UTF-8''%C3%89t%C3%A9%20%C3%A0%20la%20mer-720p.mp4" in disposition
        # a byte range across the parts' edges (a player seeking, a download resumed)
        for asked, start, stop in [("5-12", 5, 13), ("-3", len(whole) - 3, len(whole))]:
            part = await http.get(default.headers["Location"], headers={"Range": f"bytes={asked}"})
            assert (part.status, await part.read()) == (206, whole[start:stop])
            assert part.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{len(whole)}"
        # clumsy ranges: several (served whole), past the end (416), nonsense (served whole)
        url = default.headers["Location"]
        several = await http.get(url, headers={"Range": "bytes=0-1,4-5"})
        assert (several.status, await several.read()) == (200, whole)
        past = await http.get(url, headers={"Range": f"bytes={len(whole)}-"})
        assert past.status == 416
        assert past.headers["Content-Range"] == f"bytes */{len(whole)}"
        nonsense = await http.get(url, headers={"Range": "pages=1-2"})
        assert (nonsense.status, await nonsense.read()) == (200, whole)
        # the Video's own rendition links are the same files
        links = {r["name"]: r["url"] for r in shown["renditions"]}
        small = await http.get(links["360p"])
        assert await small.read() == b"init-360pseg-360p-0seg-360p-1"

        source = await api.get(
            f"/v1/videos/{video_id}/download?rendition=source",
            headers=owner.headers,
            allow_redirects=False,
        )
        assert source.status == 302
        assert await (await http.get(source.headers["Location"])).read() == b"source-bytes"

    not_owner = await api.get(
        f"/v1/videos/{video_id}/download?rendition=source", headers=viewer.headers
    )
    await expect_problem(not_owner, 403, "owner-only")
    unknown = await api.get(f"/v1/videos/{video_id}/download?rendition=4k")
    await expect_problem(unknown, 404, "not-found")


async def test_me_counts_videos_and_bytes_but_not_deleted_ones(api: Client, stack: Stack) -> None:
    user = await sign_up(api)
    kept = (await create_video(api, user, size_bytes=1000))["video"]
    gone = (await create_video(api, user, size_bytes=5000))["video"]
    repo = VideoRepository(stack.aws.dynamodb, stack.settings.table(VIDEOS_TABLE))
    current = await repo.get(gone["id"])
    assert current is not None
    await repo.save(current.deleted(), expected=current)

    me = await (await api.get("/v1/me", headers=user.headers)).json()
    assert me["usage"] == {"videos": 1, "bytes": kept["size_bytes"]}
    listed = await (await api.get("/v1/videos?scope=mine", headers=user.headers)).json()
    assert [v["id"] for v in listed["items"]] == [kept["id"]]
    deleted = await api.get(f"/v1/videos/{gone['id']}", headers=user.headers)
    await expect_problem(deleted, 404, "not-found")


async def test_an_import_takes_a_link_instead_of_the_file_and_never_both(api: Client) -> None:
    user = await sign_up(api)
    link = {"title": "From a link", "visibility": "private", "source_url": "https://x.test/a.mp4"}
    both = {**video_body(), "source_url": "https://x.test/a.mp4"}
    neither = {"title": "Nothing", "visibility": "private"}
    for body in (both, neither):
        response = await api.post("/v1/videos", json=body, headers=user.headers)
        await expect_problem(response, 422)
    # a link to this machine: refused (the suite's ingress does not allow private sources)
    private = {**link, "source_url": "http://127.0.0.1:9/clip.mp4"}
    response = await api.post("/v1/videos", json=private, headers=user.headers)
    problem = await expect_problem(response, 422, "import-url-not-allowed")
    assert "not public" in problem["detail"]
    listed = await (await api.get("/v1/videos?scope=mine", headers=user.headers)).json()
    assert listed["items"] == []  # nothing was created
