"""`GET /v1/videos/{id}/events`: status and progress as server-sent events, read from the
record, with the visibility of `GET /v1/videos/{id}`."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.integration.api_support import (
    PASSWORD,
    Client,
    Stack,
    create_video,
    expect_problem,
    make_ready,
    running_api,
    sign_up,
)
from tests.integration.sse_support import READ_DEADLINE_S, SseReader
from tests.support import eventually, rewrite
from videoshare.adapters.videos import VideoRepository
from videoshare.domain import keys
from videoshare.domain.video import VideoStatus
from videoshare.entrypoints.cli.client.config import ClientConfig
from videoshare.entrypoints.cli.client.follow import follow_until_settled
from videoshare.entrypoints.cli.client.session import ApiSession
from videoshare.entrypoints.http.app import create_app
from videoshare.entrypoints.http.event_streams import RETRY_AFTER_S as STREAM_RETRY_AFTER_S
from videoshare.entrypoints.http.event_streams import STREAMS
from videoshare.entrypoints.http.routes.video_events import RETRY_MS, StreamState, event_name
from videoshare.entrypoints.problem_json import RequestHandler
from videoshare.infra.topology import VIDEOS_TABLE

pytestmark = pytest.mark.integration


def _repo(stack: Stack) -> VideoRepository:
    return VideoRepository(stack.aws.dynamodb, stack.settings.table(VIDEOS_TABLE))


def test_event_names_follow_what_changed() -> None:
    processing = StreamState(VideoStatus.PROCESSING, None, None)
    assert event_name(None, processing) == "status"
    assert event_name(processing, processing) is None
    assert event_name(processing, StreamState(VideoStatus.PROCESSING, 0.5, None)) == "progress"
    assert event_name(processing, StreamState(VideoStatus.READY, None, None)) == "status"
    assert event_name(processing, StreamState(VideoStatus.PROCESSING, None, "why")) == "status"
    watchable = StreamState(VideoStatus.PROCESSING, None, None, playable=True)
    assert event_name(processing, watchable) == "status"


async def test_owner_sees_each_status_and_progress_change_until_ready(
    api: Client, stack: Stack
) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    response = await api.get(f"/v1/videos/{video_id}/events", headers=owner.headers)
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    reader = SseReader(response)

    first = await reader.next()
    assert first is not None
    assert (first.event, first.json) == (
        "status",
        {"status": "awaiting_upload", "progress": None, "status_reason": None, "playable": False},
    )
    repo = _repo(stack)
    video = await repo.get(video_id)
    assert video is not None
    assert first.id == StreamState(VideoStatus.AWAITING_UPLOAD, None, None).event_id(video.version)

    video = await repo.save(video.uploaded(), expected=video)
    uploaded = await reader.next()
    assert uploaded is not None
    assert (uploaded.event, uploaded.json["status"]) == ("status", "uploaded")
    assert uploaded.id is not None
    assert uploaded.id.startswith(f"{video.version}-")
    video = await repo.save(video.processing(), expected=video)
    processing = await reader.next()
    assert processing is not None
    assert (processing.event, processing.json["status"]) == ("status", "processing")
    video = await repo.save(video.with_progress(0.5), expected=video)
    progress = await reader.next()
    assert progress is not None
    assert (progress.event, progress.json) == (
        "progress",
        {"status": "processing", "progress": 0.5, "status_reason": None, "playable": False},
    )
    # the first segments of every rendition are stored: watchable before ready
    video = await repo.save(
        video.playable_while_processing(keys.hls_master_key(video_id)), expected=video
    )
    playable = await reader.next()
    assert playable is not None
    assert (playable.event, playable.json) == (
        "status",
        {"status": "processing", "progress": 0.5, "status_reason": None, "playable": True},
    )
    await rewrite(repo, video, status=VideoStatus.READY, progress=None)
    rest = await reader.rest()  # ends by itself after the terminal status
    assert [(e.event, e.json["status"]) for e in rest] == [("status", "ready")]


async def test_a_terminal_video_answers_one_event_and_ends(api: Client, stack: Stack) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner, visibility="public"))["video"]["id"]
    await make_ready(stack.aws, stack.settings, video_id)
    anonymous = await api.get(f"/v1/videos/{video_id}/events")
    events = await SseReader(anonymous).rest()
    assert [(e.event, e.json["status"]) for e in events] == [("status", "ready")]


async def test_deletion_ends_the_stream_with_a_deleted_event(api: Client) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    reader = SseReader(await api.get(f"/v1/videos/{video_id}/events", headers=owner.headers))
    first = await reader.next()
    assert first is not None
    deleted = await api.delete(f"/v1/videos/{video_id}", headers=owner.headers)
    assert deleted.status == 202
    rest = await reader.rest()
    assert [(e.event, e.json["status"]) for e in rest] == [("status", "deleted")]


async def test_a_change_made_through_another_ingress_process_reaches_the_stream(
    api: Client, stack: Stack
) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    reader = SseReader(await api.get(f"/v1/videos/{video_id}/events", headers=owner.headers))
    assert await reader.next() is not None
    async with running_api(stack.settings) as elsewhere:  # a second ingress, its own app
        edited = await elsewhere.delete(f"/v1/videos/{video_id}", headers=owner.headers)
        assert edited.status == 202
    assert [e.json["status"] for e in await reader.rest()] == ["deleted"]


async def test_the_token_may_come_in_the_query_string_for_an_event_source(
    api: Client,
) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    response = await api.get(
        f"/v1/videos/{video_id}/events", params={"access_token": owner.access_token}
    )
    assert response.status == 200
    first = await SseReader(response).next()
    assert first is not None
    assert first.json["status"] == "awaiting_upload"
    response.close()


async def test_others_private_videos_unknown_and_malformed_ids_are_404(api: Client) -> None:
    owner, other = await sign_up(api), await sign_up(api)
    private_id = (await create_video(api, owner))["video"]["id"]
    for path, headers in (
        (f"/v1/videos/{private_id}/events", other.headers),
        (f"/v1/videos/{private_id}/events", {}),
        (f"/v1/videos/{uuid.uuid4().hex}/events", owner.headers),
        ("/v1/videos/not-an-id/events", owner.headers),
        ("/v1/videos/%00%2e%2e/events", owner.headers),
    ):
        await expect_problem(await api.get(path, headers=headers), 404, "not-found")


async def test_bad_tokens_are_refused_before_the_stream_opens(api: Client) -> None:
    owner = await sign_up(api)
    video_id = (await create_video(api, owner))["video"]["id"]
    path = f"/v1/videos/{video_id}/events"
    await expect_problem(await api.get(path, params={"access_token": "x.y.z"}), 401)
    await expect_problem(await api.get(path, params={"access_token": "bad token!"}), 401)
    await expect_problem(await api.get(path, params={"access_token": ""}), 401)
    await expect_problem(
        await api.get(path, headers={"Authorization": "Bearer nope"}), 401, "invalid-token"
    )
    await expect_problem(
        await api.get(path, params={"access_token": owner.access_token}, headers=owner.headers),
        400,
        "token-twice",
    )


async def test_heartbeats_lifetime_cap_and_disconnects(stack: Stack) -> None:
    settings = stack.settings.model_copy(
        update={"events_heartbeat_s": 0.2, "events_max_lifetime_s": 1.5}
    )
    async with running_api(settings) as client:
        owner = await sign_up(client)
        video_id = (await create_video(client, owner))["video"]["id"]
        path = f"/v1/videos/{video_id}/events"

        reader = SseReader(await client.get(path, headers=owner.headers))
        events = await reader.rest()  # ends at the lifetime cap, not at a terminal status
        assert [e.json["status"] for e in events] == ["awaiting_upload"]
        assert "ping" in reader.comments

        streams = client.app[STREAMS] if client.app else None
        assert streams is not None
        gone = await client.get(path, headers=owner.headers)
        assert await SseReader(gone).next() is not None
        assert streams.open == 1
        gone.close()  # the client goes away mid-stream
        await eventually(lambda: streams.open == 0, what="the abandoned stream to end")


async def test_shutdown_ends_open_streams(stack: Stack) -> None:
    async with running_api(stack.settings) as client:
        owner = await sign_up(client)
        video_id = (await create_video(client, owner))["video"]["id"]
        reader = SseReader(await client.get(f"/v1/videos/{video_id}/events", headers=owner.headers))
        assert await reader.next() is not None
        assert client.app is not None
        closing = asyncio.create_task(client.server.close())
        # the stream ends by itself; nothing waits for the server's shutdown timeout
        assert await asyncio.wait_for(reader.rest(), READ_DEADLINE_S) == []
        await closing


def _resuming(user: Any, last_id: str | None) -> dict[str, str]:
    return {**user.headers, "Last-Event-ID": last_id} if last_id else user.headers


async def test_a_stream_ends_at_its_lifetime_with_a_retry_hint_and_resumes_without_repeats(
    stack: Stack,
) -> None:
    settings = stack.settings.model_copy(
        update={"events_max_lifetime_s": 1.0, "events_poll_interval_s": 0.1}
    )
    repo = _repo(stack)
    async with running_api(settings) as client:
        owner = await sign_up(client)
        video_id = (await create_video(client, owner))["video"]["id"]
        path = f"/v1/videos/{video_id}/events"

        reader = SseReader(await client.get(path, headers=owner.headers))
        first = await reader.next()
        assert first is not None
        assert first.json["status"] == "awaiting_upload"
        assert await reader.rest() == []  # the lifetime ends it: not settled, so…
        assert reader.retry_ms == RETRY_MS  # …come back in a second

        quiet = SseReader(await client.get(path, headers=_resuming(owner, first.id)))
        assert await quiet.rest() == []  # nothing changed: nothing said again
        assert quiet.retry_ms == RETRY_MS

        video = await repo.get(video_id)
        assert video is not None
        video = await repo.save(video.uploaded(), expected=video)  # while nobody watched
        await rewrite(repo, video, title="a new title")  # a write the stream does not show
        resumed = SseReader(await client.get(path, headers=_resuming(owner, first.id)))
        assert [e.json["status"] for e in await resumed.rest()] == ["uploaded"]

        video = await repo.get(video_id)
        assert video is not None
        await rewrite(repo, video, status=VideoStatus.READY)
        settled = SseReader(await client.get(path, headers=_resuming(owner, first.id)))
        ready = await settled.rest()
        assert [e.json["status"] for e in ready] == ["ready"]
        assert settled.retry_ms is None  # settled: no reason to come back
        # An EventSource reconnects even after a settled stream: 204 tells it to stop.
        again = await client.get(path, headers=_resuming(owner, ready[0].id))
        assert again.status == 204
        # A forged or foreign id is not trusted: the current state is said.
        forged = await client.get(path, headers=_resuming(owner, "1-000000000000"))
        assert [e.json["status"] for e in await SseReader(forged).rest()] == ["ready"]
        by_query = await client.get(
            path, params={"last_event_id": ready[0].id or ""}, headers=owner.headers
        )
        assert by_query.status == 204


async def test_streams_are_capped_per_user_and_per_address_with_a_429(stack: Stack) -> None:
    settings = stack.settings.model_copy(
        update={"events_streams_per_user": 2, "events_streams_per_address": 3}
    )
    async with running_api(settings) as client:
        owner, other = await sign_up(client), await sign_up(client)
        mine = f"/v1/videos/{(await create_video(client, owner))['video']['id']}/events"
        theirs = f"/v1/videos/{(await create_video(client, other))['video']['id']}/events"
        held = [await client.get(mine, headers=owner.headers) for _ in range(2)]
        for response in held:
            assert await SseReader(response).next() is not None

        refused = await client.get(mine, headers=owner.headers)
        body = await expect_problem(refused, 429, "too-many-requests")
        assert "your account already holds 2" in body["detail"]
        assert refused.headers["Retry-After"] == str(STREAM_RETRY_AFTER_S)

        third = await client.get(theirs, headers=other.headers)  # another user, same address
        assert await SseReader(third).next() is not None
        body = await expect_problem(await client.get(theirs, headers=other.headers), 429)
        assert "your network address already holds 3" in body["detail"]

        streams = client.app[STREAMS] if client.app else None
        assert streams is not None
        held[0].close()  # one ends: its slot comes back
        await eventually(lambda: streams.open == 2, what="the closed stream to end")
        again = await client.get(mine, headers=owner.headers)
        assert await SseReader(again).next() is not None
        for response in (held[1], third, again):
            response.close()


async def test_the_cli_follows_a_video_across_stream_ends_by_resuming(
    stack: Stack, tmp_path: Path
) -> None:
    """`videoshare upload --wait`'s follower: each stream ends after 1 s with a `retry:` hint;
    the client reconnects with `Last-Event-ID` (never falling back to polling) and says each
    change once."""
    settings = stack.settings.model_copy(
        update={"events_max_lifetime_s": 1.0, "events_poll_interval_s": 0.1}
    )
    seen_requests: list[tuple[str, str | None]] = []

    @web.middleware
    async def record(request: web.Request, handler: RequestHandler) -> web.StreamResponse:
        seen_requests.append((request.path, request.headers.get("Last-Event-ID")))
        return await handler(request)

    app = create_app(settings)
    app.middlewares.insert(0, record)
    repo = _repo(stack)
    async with running_api(settings, app) as client, aiohttp.ClientSession() as http:
        owner = await sign_up(client)
        video_id = (await create_video(client, owner))["video"]["id"]
        events_path = f"/v1/videos/{video_id}/events"
        config = ClientConfig(str(client.make_url("")).rstrip("/"), owner.email, PASSWORD, tmp_path)
        said: list[str] = []
        following = asyncio.create_task(
            follow_until_settled(ApiSession(http, config), video_id, said.append, timeout_s=60)
        )

        def streams() -> list[str | None]:
            return [last for path, last in seen_requests if path == events_path]

        async def change(**fields: Any) -> None:
            video = await repo.get(video_id)
            assert video is not None
            await rewrite(repo, video, **fields)

        await eventually(lambda: len(streams()) >= 2, what="a reconnect after the first stream")
        await change(status=VideoStatus.UPLOADED)
        await eventually(lambda: said == ["uploaded"], what="the CLI to say 'uploaded'")
        connected = len(streams())
        await eventually(lambda: len(streams()) > connected, what="another reconnect")
        await change(status=VideoStatus.PROCESSING, progress=50.0)
        await eventually(lambda: len(said) == 2, what="the CLI to say the progress")
        await change(status=VideoStatus.READY, progress=None)
        video = await asyncio.wait_for(following, READ_DEADLINE_S)

    assert video["status"] == "ready"
    assert said == ["uploaded", "processing 50%"]
    first, *resumed = streams()
    assert first is None
    assert len(resumed) >= 2
    assert all(last is not None for last in resumed)  # every reconnect resumed
    polls = [path for path, _ in seen_requests if path == f"/v1/videos/{video_id}"]
    assert len(polls) == 1  # the settled video's one read: the stream never gave way to polling
