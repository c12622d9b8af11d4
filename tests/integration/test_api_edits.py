"""`PATCH /v1/videos/{id}` and `DELETE /v1/videos/{id}`: owner only, conditional writes, events."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.api_support import (
    Client,
    Stack,
    create_video,
    expect_problem,
    make_ready,
    poll,
    sign_up,
)
from tests.integration.bus_support import take_all
from videoshare.adapters.videos import VideoRepository
from videoshare.domain.events import Event, VideoUpdated, about_a_video, parse_event
from videoshare.domain.video import Video, VideoStatus, Visibility
from videoshare.infra.topology import VIDEOS_TABLE

pytestmark = pytest.mark.integration


async def _spy(stack: Stack) -> str:
    aws = stack.aws
    url = (
        await aws.sqs.create_queue(QueueName=f"{stack.settings.stack}-spy-{uuid.uuid4().hex[:8]}")
    )["QueueUrl"]
    arn = (await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]))[
        "Attributes"
    ]["QueueArn"]
    await aws.sns.subscribe(
        TopicArn=stack.resources.topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    return url


async def _events_about(stack: Stack, spy: str, video_id: str, event_type: str) -> list[Event]:
    messages = await take_all(stack.aws.sqs, spy)
    events = [parse_event(m["Body"]) for m in messages]
    return [
        e
        for e in events
        if about_a_video(e) and e.type == event_type and e.data.video_id == video_id
    ]


def _repo(stack: Stack) -> VideoRepository:
    return VideoRepository(stack.aws.dynamodb, stack.settings.table(VIDEOS_TABLE))


async def test_owner_edits_fields_and_video_updated_names_them(api: Client, stack: Stack) -> None:
    spy = await _spy(stack)
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    response = await api.patch(
        f"/v1/videos/{video_id}",
        json={"title": "  New title ", "tags": ["A", "a", "b"], "visibility": "unlisted"},
        headers={**owner.headers, "X-Request-Id": "edit-req-1"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert (body["title"], body["tags"], body["visibility"]) == (
        "New title",
        ["a", "b"],
        "unlisted",
    )
    assert body["description"] == "Sea and sand."  # left out: unchanged
    stored = await _repo(stack).get(video_id)
    assert stored is not None
    assert (stored.title, stored.visibility, stored.version) == (
        "New title",
        Visibility.UNLISTED,
        2,
    )

    updated = await poll(
        lambda: _first(_events_about(stack, spy, video_id, "video.updated")), what="video.updated"
    )
    assert isinstance(updated, VideoUpdated)
    assert updated.data.changed == ["tags", "title", "visibility"]
    assert updated.correlation_id == "edit-req-1"


async def _first(found: Any) -> Event | None:
    events = await found
    return events[0] if events else None


async def test_an_edit_that_changes_nothing_writes_nothing(api: Client, stack: Stack) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    response = await api.patch(
        f"/v1/videos/{video_id}", json={"title": "Holiday"}, headers=owner.headers
    )
    assert response.status == 200
    stored = await _repo(stack).get(video_id)
    assert stored is not None
    assert stored.version == 1


def _race_on_save(
    monkeypatch: pytest.MonkeyPatch, stack: Stack, video_id: str, *, times: int
) -> list[int]:
    """Make another writer win the next `times` writes of `video_id`: just before each, the
    record changes under the ingress (as a worker moving it would). Returns the race count."""
    original = VideoRepository.save
    repo = _repo(stack)
    races: list[int] = []

    async def racing_save(self: VideoRepository, changed: Video, *, expected: Video) -> Video:
        if expected.id == video_id and len(races) < times:
            races.append(expected.version)
            raced = expected.model_copy(update={"progress": (expected.progress or 0) + 0.1})
            await original(repo, raced, expected=expected)
        return await original(self, changed, expected=expected)

    monkeypatch.setattr(VideoRepository, "save", racing_save)
    return races


async def test_an_edit_that_loses_a_race_is_applied_to_the_winners_record(
    api: Client, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    races = _race_on_save(monkeypatch, stack, video_id, times=1)
    response = await api.patch(
        f"/v1/videos/{video_id}", json={"description": "edited"}, headers=owner.headers
    )
    assert response.status == 200, await response.text()
    assert races == [1]
    after = await _repo(stack).get(video_id)
    assert after is not None
    # both writes survive: the winner's progress and the re-applied edit
    assert (after.description, after.progress, after.version) == ("edited", 0.1, 3)


async def test_a_deletion_that_loses_a_race_still_deletes(
    api: Client, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    races = _race_on_save(monkeypatch, stack, video_id, times=2)
    assert (await api.delete(f"/v1/videos/{video_id}", headers=owner.headers)).status == 202
    assert len(races) == 2
    after = await _repo(stack).get(video_id)
    assert after is not None
    assert after.status is VideoStatus.DELETED


async def test_a_video_that_keeps_changing_answers_409_and_writes_nothing_of_the_edit(
    api: Client, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    _race_on_save(monkeypatch, stack, video_id, times=1000)
    await expect_problem(
        await api.patch(f"/v1/videos/{video_id}", json={"title": "never"}, headers=owner.headers),
        409,
        "edit-conflict",
    )
    monkeypatch.undo()
    after = await _repo(stack).get(video_id)
    assert after is not None
    assert after.title == "Holiday"


async def test_making_a_ready_video_public_puts_it_in_the_public_feed(
    api: Client, stack: Stack
) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    await make_ready(stack.aws, stack.settings, video_id)
    listed = await (await api.get("/v1/videos", params={"limit": "100"})).json()
    assert video_id not in [v["id"] for v in listed["items"]]
    response = await api.patch(
        f"/v1/videos/{video_id}", json={"visibility": "public"}, headers=owner.headers
    )
    assert response.status == 200
    listed = await (await api.get("/v1/videos", params={"limit": "100"})).json()
    assert video_id in [v["id"] for v in listed["items"]]


async def test_owner_deletes_a_video_it_leaves_every_listing_and_video_deleted_is_published(
    api: Client, stack: Stack
) -> None:
    spy = await _spy(stack)
    owner = await sign_up(api)
    video_id = (await create_video(api, owner, visibility="public"))["video"]["id"]
    await make_ready(stack.aws, stack.settings, video_id)
    response = await api.delete(
        f"/v1/videos/{video_id}", headers={**owner.headers, "X-Request-Id": "delete-req-1"}
    )
    assert response.status == 202
    stored = await _repo(stack).get(video_id)
    assert stored is not None
    assert stored.status is VideoStatus.DELETED
    await expect_problem(await api.get(f"/v1/videos/{video_id}", headers=owner.headers), 404)
    mine = await (await api.get("/v1/videos?scope=mine", headers=owner.headers)).json()
    assert video_id not in [v["id"] for v in mine["items"]]
    public = await (await api.get("/v1/videos", params={"limit": "100"})).json()
    assert video_id not in [v["id"] for v in public["items"]]
    deleted = await poll(
        lambda: _first(_events_about(stack, spy, video_id, "video.deleted")), what="video.deleted"
    )
    assert deleted.correlation_id == "delete-req-1"
    # deleting again: there is nothing left to delete
    await expect_problem(await api.delete(f"/v1/videos/{video_id}", headers=owner.headers), 404)
    await expect_problem(
        await api.patch(f"/v1/videos/{video_id}", json={"title": "x"}, headers=owner.headers), 404
    )


async def test_other_users_get_404_for_private_and_403_for_visible_videos(
    api: Client, stack: Stack
) -> None:
    owner, other = await sign_up(api), await sign_up(api)
    private_id = (await create_video(api, owner))["video"]["id"]
    public_id = (await create_video(api, owner, visibility="public"))["video"]["id"]
    await make_ready(stack.aws, stack.settings, public_id)
    edit = {"title": "mine now"}
    for call in (
        api.patch(f"/v1/videos/{private_id}", json=edit, headers=other.headers),
        api.delete(f"/v1/videos/{private_id}", headers=other.headers),
    ):
        await expect_problem(await call, 404, "not-found")
    for call in (
        api.patch(f"/v1/videos/{public_id}", json=edit, headers=other.headers),
        api.delete(f"/v1/videos/{public_id}", headers=other.headers),
    ):
        await expect_problem(await call, 403, "owner-only")
    for call in (
        api.patch(f"/v1/videos/{public_id}", json=edit),
        api.delete(f"/v1/videos/{public_id}"),
    ):
        await expect_problem(await call, 401, "unauthenticated")
    stored = await _repo(stack).get(public_id)
    assert stored is not None
    assert (stored.title, stored.status) == ("Holiday", VideoStatus.READY)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#"),
        ({"title": None}, "#/title"),
        ({"title": ""}, "#/title"),
        ({"title": "x" * 201}, "#/title"),
        ({"title": "two\nlines"}, "#/title"),
        ({"title": 42}, "#/title"),
        ({"description": "x" * 5001}, "#/description"),
        ({"tags": "beach"}, "#/tags"),
        ({"tags": ["t"] * 21}, "#/tags"),
        ({"tags": ["x" * 41]}, "#/tags/0"),
        ({"visibility": "secret"}, "#/visibility"),
        ({"status": "ready"}, "#/status"),
        ({"owner_id": "someone"}, "#/owner_id"),
    ],
)
async def test_clumsy_edits_are_422_with_the_field_named(
    api: Client, stack: Stack, body: dict[str, Any], pointer: str
) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    problem = await expect_problem(
        await api.patch(f"/v1/videos/{video_id}", json=body, headers=owner.headers),
        422,
        "validation",
    )
    assert pointer in [e["pointer"] for e in problem["errors"]], problem
    stored = await _repo(stack).get(video_id)
    assert stored is not None
    assert stored.version == 1  # nothing written


async def test_malformed_bodies_and_ids(api: Client) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    path = f"/v1/videos/{video_id}"
    await expect_problem(
        await api.patch(
            path, data="{not json", headers={**owner.headers, "Content-Type": "application/json"}
        ),
        400,
        "malformed-json",
    )
    await expect_problem(
        await api.patch(
            path, data="title=x", headers={**owner.headers, "Content-Type": "text/plain"}
        ),
        400,
        "not-json",
    )
    await expect_problem(await api.patch(path, json=["title"], headers=owner.headers), 422)
    for bad in ("nope", uuid.uuid4().hex, "A" * 32):
        await expect_problem(
            await api.patch(f"/v1/videos/{bad}", json={"title": "x"}, headers=owner.headers), 404
        )
        await expect_problem(await api.delete(f"/v1/videos/{bad}", headers=owner.headers), 404)
