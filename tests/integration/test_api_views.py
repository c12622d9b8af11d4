"""Views through the ingress against the real emulator: a burst of 1,000 starts from 100
viewers adds up to exactly one view per viewer and video; a viewer seen by two ingress
processes counts once; the feed sorts by views, an edit keeps them, and the endpoint refuses
what it must."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.api_support import (
    Client,
    Stack,
    User,
    create_video,
    expect_problem,
    make_ready,
    poll,
    running_api,
    sign_up,
)
from videoshare.entrypoints.http.context import DEPENDENCIES

pytestmark = pytest.mark.integration

VIEWERS = 100
STARTS = 5  # each viewer starts each video this many times


async def _ready_public(client: Client, stack: Stack, owner: User, **fields: object) -> str:
    video_id = str(
        (await create_video(client, owner, visibility="public", **fields))["video"]["id"]
    )
    await make_ready(stack.aws, stack.settings, video_id, visibility="public")
    return video_id


async def _views(client: Client, video_id: str) -> int:
    answer = await client.get(f"/v1/videos/{video_id}")
    assert answer.status == 200
    return int((await answer.json())["views"])


async def test_a_burst_of_1000_starts_from_100_viewers_counts_each_once(stack: Stack) -> None:
    # behind one proxy, so each viewer is an X-Forwarded-For address; quick flushes
    settings = stack.settings.model_copy(
        update={"trusted_proxy_hops": 1, "views_flush_interval_s": 0.2}
    )
    async with running_api(settings) as api:
        owner = await sign_up(api)
        videos = [await _ready_public(api, stack, owner, title=f"Burst {i}") for i in range(2)]
        gate = asyncio.Semaphore(32)

        async def start(video_id: str, viewer: int) -> None:
            async with gate:
                answer = await api.post(
                    f"/v1/videos/{video_id}/views",
                    headers={"X-Forwarded-For": f"203.0.113.{viewer}"},
                )
                assert answer.status == 202, await answer.text()

        await asyncio.gather(
            *(
                start(video_id, viewer)
                for _ in range(STARTS)
                for viewer in range(VIEWERS)
                for video_id in videos
            )
        )

        async def exact() -> list[int] | None:
            counts = [await _views(api, v) for v in videos]
            return counts if counts == [VIEWERS, VIEWERS] else None

        await poll(exact, timeout_s=15, what=f"{VIEWERS} views of each video")
        assert api.app[DEPENDENCIES].views.pending == 0  # nothing more will be added


async def test_the_feed_sorts_by_views_an_edit_keeps_them_and_bad_calls_are_refused(
    stack: Stack,
) -> None:
    settings = stack.settings.model_copy(update={"views_flush_interval_s": 0.2})
    async with running_api(settings) as api:
        owner, viewer = await sign_up(api), await sign_up(api)
        watched = await _ready_public(api, stack, owner)
        quiet = await _ready_public(api, stack, owner)  # the newer
        async with running_api(settings) as elsewhere:  # another ingress process
            for client, who in ((api, owner), (api, viewer), (elsewhere, viewer)):
                answer = await client.post(f"/v1/videos/{watched}/views", headers=who.headers)
                assert answer.status == 202
            assert elsewhere.app[DEPENDENCIES].views.pending == 0  # viewer: counted already
        anonymous = await api.post(f"/v1/videos/{watched}/views")
        assert anonymous.status == 202
        await poll(lambda: _at_least(api, watched, 3), what="three views")

        renamed = await api.patch(
            f"/v1/videos/{watched}", json={"title": "Renamed"}, headers=owner.headers
        )
        assert renamed.status == 200
        assert (await renamed.json())["views"] == 3  # the save left the count alone
        feed = await api.get("/v1/videos", params={"sort": "views", "limit": "100"})
        ids = [v["id"] for v in (await feed.json())["items"]]
        assert ids.index(watched) < ids.index(quiet)
        newest = await api.get("/v1/videos", params={"limit": "100"})
        ids = [v["id"] for v in (await newest.json())["items"]]
        assert ids.index(quiet) < ids.index(watched)

        private = (await create_video(api, owner))["video"]["id"]
        await make_ready(stack.aws, stack.settings, private)
        waiting = (await create_video(api, owner, visibility="public"))["video"]["id"]
        for path, headers, status in (
            (f"/v1/videos/{private}/views", viewer.headers, 404),  # someone else's private
            (f"/v1/videos/{private}/views", {}, 404),
            ("/v1/videos/" + "0" * 32 + "/views", {}, 404),
            ("/v1/videos/not-an-id/views", {}, 404),
            (f"/v1/videos/{waiting}/views", owner.headers, 409),
            (f"/v1/videos/{watched}/views", {"Authorization": "Bearer forged"}, 401),
        ):
            await expect_problem(await api.post(path, headers=headers), status)
        for params in ({"sort": "views", "q": "holiday"}, {"sort": "views", "scope": "mine"},
                       {"sort": "loudest"}):  # fmt: skip
            await expect_problem(
                await api.get("/v1/videos", params=params, headers=owner.headers), 422
            )


async def _at_least(api: Client, video_id: str, views: int) -> int | None:
    counted = await _views(api, video_id)
    return counted if counted >= views else None
