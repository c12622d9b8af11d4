"""Search: the metadata-indexer keeps entries for ready public videos, `GET /v1/videos?q=&tag=`
reads them (newest first, by cursor), and `scope=mine` searches the caller's own videos."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.api_support import (
    Client,
    Stack,
    User,
    create_video,
    expect_problem,
    make_ready,
    sign_up,
)
from tests.integration.worker_support import Worker, deliver, start_worker
from videoshare.adapters.search import SearchIndex
from videoshare.adapters.videos import VideoRepository
from videoshare.domain.events import (
    RenditionData,
    VideoTranscoded,
    VideoTranscodedData,
)
from videoshare.domain.video import VideoEdit
from videoshare.entrypoints.workers import metadata_indexer
from videoshare.infra.topology import METADATA_INDEXER, SEARCH_TABLE, VIDEOS_TABLE

pytestmark = pytest.mark.integration


@pytest.fixture
def indexer(stack: Stack) -> Worker:
    return start_worker(
        METADATA_INDEXER, metadata_indexer.definition, stack.settings, stack.aws, stack.resources
    )


def word() -> str:
    """A word no other test's video has."""
    return f"w{uuid.uuid4().hex[:12]}"


def _repo(stack: Stack) -> VideoRepository:
    return VideoRepository(stack.aws.dynamodb, stack.settings.table(VIDEOS_TABLE))


async def _published(api: Client, stack: Stack, indexer: Worker, owner: User, **fields: Any) -> str:
    """A video made ready as the pipeline would, announced to the indexer as transcoded."""
    video_id: str = (await create_video(api, owner, **fields))["video"]["id"]
    video = await make_ready(stack.aws, stack.settings, video_id)
    await deliver(
        indexer,
        VideoTranscoded(
            correlation_id="req-search",
            producer="transcoder",
            data=VideoTranscodedData(
                video_id=video.id,
                owner_id=video.owner_id,
                duration_s=5.3,
                width=1280,
                height=720,
                size_bytes=12,
                renditions=[RenditionData(**r.model_dump()) for r in video.renditions],
                poster_key=video.poster_key or "",
            ),
        ),
    )
    return video_id


async def _search(api: Client, headers: dict[str, str] | None = None, **query: str) -> Any:
    response = await api.get("/v1/videos", params=query, headers=headers or {})
    assert response.status == 200, await response.text()
    return await response.json()


async def _ids(api: Client, headers: dict[str, str] | None = None, **query: str) -> list[str]:
    return [v["id"] for v in (await _search(api, headers, **query))["items"]]


async def test_words_and_tags_find_ready_public_videos_newest_first(
    api: Client, stack: Stack, indexer: Worker
) -> None:
    owner = await sign_up(api)
    topic, other = word(), word()
    older = await _published(
        api, stack, indexer, owner, title=f"Café {topic}", visibility="public", tags=["Crème"]
    )
    newer = await _published(
        api,
        stack,
        indexer,
        owner,
        title=f"{topic.upper()} at sea",
        description=f"with {other}",
        visibility="public",
    )
    hidden = [
        await _published(api, stack, indexer, owner, title=topic, visibility=v)
        for v in ("private", "unlisted")
    ]
    waiting = (await create_video(api, owner, title=topic, visibility="public"))["video"]["id"]
    await indexer.drain()

    assert await _ids(api, q=topic) == [newer, older]
    assert await _ids(api, q=f"{topic} {other}") == [newer]  # every word
    assert await _ids(api, q=f"{topic} cafe") == [older]  # accents and case ignored
    assert await _ids(api, q=topic, tag="CREME") == [older]
    by_tag = await _ids(api, tag="crème")
    assert older in by_tag
    assert newer not in by_tag
    assert await _ids(api, q=f"{topic} nowhere{word()}") == []
    for video_id in (*hidden, waiting):
        assert video_id not in await _ids(api, q=topic)
    # the answer is a page of Videos, as listing answers
    page = await _search(api, q=other)
    assert page["items"][0]["status"] == "ready"
    assert page["items"][0]["renditions"]


async def test_pages_follow_the_cursor_to_the_end(
    api: Client, stack: Stack, indexer: Worker
) -> None:
    owner = await sign_up(api)
    topic = word()
    made = [
        await _published(api, stack, indexer, owner, title=f"{topic} {n}", visibility="public")
        for n in range(3)
    ]
    await indexer.drain()
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        query: dict[str, str] = {"q": topic, "limit": "2"}
        if cursor:
            query["cursor"] = cursor
        page = await _search(api, None, **query)
        seen += [v["id"] for v in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


async def test_edits_and_deletion_reach_the_index(
    api: Client, stack: Stack, indexer: Worker
) -> None:
    owner = await sign_up(api)
    before, after = word(), word()
    video_id = await _published(api, stack, indexer, owner, title=before, visibility="public")
    await indexer.drain()
    assert await _ids(api, q=before) == [video_id]

    patched = await api.patch(
        f"/v1/videos/{video_id}", json={"title": after}, headers=owner.headers
    )
    assert patched.status == 200
    await indexer.drain()
    assert await _ids(api, q=before) == []
    assert await _ids(api, q=after) == [video_id]

    hidden = await api.patch(
        f"/v1/videos/{video_id}", json={"visibility": "private"}, headers=owner.headers
    )
    assert hidden.status == 200
    await indexer.drain()
    assert await _ids(api, q=after) == []
    shown = await api.patch(
        f"/v1/videos/{video_id}", json={"visibility": "public"}, headers=owner.headers
    )
    assert shown.status == 200
    await indexer.drain()
    assert await _ids(api, q=after) == [video_id]

    assert (await api.delete(f"/v1/videos/{video_id}", headers=owner.headers)).status == 202
    await indexer.drain()
    assert await _ids(api, q=after) == []
    entries = await stack.aws.dynamodb.scan(
        TableName=stack.settings.table(SEARCH_TABLE),
        FilterExpression="video_id = :v OR #t = :m",
        ExpressionAttributeNames={"#t": "term"},
        ExpressionAttributeValues={":v": {"S": video_id}, ":m": {"S": f"v#{video_id}"}},
    )
    assert entries["Items"] == []  # nothing left behind


async def test_a_stale_entry_never_shows_a_video_that_no_longer_matches(
    api: Client, stack: Stack, indexer: Worker
) -> None:
    owner = await sign_up(api)
    old = word()
    video_id = await _published(api, stack, indexer, owner, title=old, visibility="public")
    await indexer.drain()
    repo = _repo(stack)
    video = await repo.get(video_id)
    assert video is not None
    await repo.save(
        video.edited(VideoEdit(title="renamed behind the index's back")), expected=video
    )
    assert await _ids(api, q=old) == []


async def test_scope_mine_searches_the_callers_own_videos_in_any_status(
    api: Client, stack: Stack, indexer: Worker
) -> None:
    owner, other = await sign_up(api), await sign_up(api)
    topic = word()
    private = (await create_video(api, owner, title=f"{topic} draft"))["video"]["id"]
    public = await _published(api, stack, indexer, owner, title=topic, visibility="public")
    strangers = (await create_video(api, other, title=topic))["video"]["id"]
    await indexer.drain()
    assert await _ids(api, owner.headers, q=topic, scope="mine") == [public, private]
    assert await _ids(api, owner.headers, q="draft", scope="mine") == [private]
    assert strangers not in await _ids(api, owner.headers, q=topic, scope="mine")
    page = await _search(api, owner.headers, q=topic, scope="mine", limit="1")
    assert [v["id"] for v in page["items"]] == [public]
    rest = await _search(
        api, owner.headers, q=topic, scope="mine", limit="1", cursor=page["next_cursor"]
    )
    assert [v["id"] for v in rest["items"]] == [private]
    await expect_problem(await api.get("/v1/videos", params={"q": topic, "scope": "mine"}), 401)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"q": ""}, "q"),
        ({"q": "!!! ???"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": " ".join(f"w{n}" for n in range(9))}, "q"),
        ({"tag": ""}, "tag"),
        ({"tag": "   "}, "tag"),
        ({"tag": "x" * 41}, "tag"),
        ({"q": "beach", "limit": "0"}, "limit"),
        ({"q": "beach", "limit": "lots"}, "limit"),
    ],
)
async def test_unusable_searches_are_422_naming_the_parameter(
    api: Client, query: dict[str, str], parameter: str
) -> None:
    problem = await expect_problem(await api.get("/v1/videos", params=query), 422, "validation")
    assert parameter in [e["parameter"] for e in problem["errors"]]


async def test_cursors_from_elsewhere_are_400(api: Client, stack: Stack, indexer: Worker) -> None:
    owner = await sign_up(api)
    topic = word()
    for n in range(2):
        await _published(api, stack, indexer, owner, title=f"{topic} {n}", visibility="public")
    await indexer.drain()
    search_cursor = (await _search(api, q=topic, limit="1"))["next_cursor"]
    assert search_cursor
    mine_cursor = (await _search(api, owner.headers, scope="mine", limit="1"))["next_cursor"]
    assert mine_cursor
    for query in (
        {"q": word(), "cursor": search_cursor},  # another search's cursor
        {"cursor": search_cursor},  # a search cursor on the plain listing
        {"q": topic, "cursor": mine_cursor},  # the owner listing's cursor on the public search
        {"q": topic, "cursor": "not-a-cursor!"},
        {"q": topic, "cursor": "e30"},  # "{}" in base64
    ):
        await expect_problem(await api.get("/v1/videos", params=query), 400, "bad-cursor")
    other = await sign_up(api)
    await expect_problem(
        await api.get(
            "/v1/videos",
            params={"q": topic, "scope": "mine", "cursor": mine_cursor},
            headers=other.headers,
        ),
        400,
        "bad-cursor",
    )


async def test_an_index_write_cut_short_leaves_nothing_behind_after_the_next(
    api: Client, stack: Stack, indexer: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_up(api)
    first, second, third = word(), word(), word()
    video_id = await _published(api, stack, indexer, owner, title=first, visibility="public")
    await indexer.drain()
    search = SearchIndex(stack.aws.dynamodb, stack.settings.table(SEARCH_TABLE))
    repo = _repo(stack)
    write = SearchIndex._write

    async def crash_after_writing(self: SearchIndex, requests: list[dict[str, Any]]) -> None:
        await write(self, requests)
        raise ConnectionError("the worker died here")

    video = await repo.get(video_id)
    assert video is not None
    video = await repo.save(video.edited(VideoEdit(title=second)), expected=video)
    monkeypatch.setattr(SearchIndex, "_write", crash_after_writing)
    with pytest.raises(ConnectionError):
        await search.reindex(video_id, video)
    monkeypatch.undo()
    video = await repo.save(video.edited(VideoEdit(title=third)), expected=video)
    await search.reindex(video_id, video)

    entries = await stack.aws.dynamodb.scan(
        TableName=stack.settings.table(SEARCH_TABLE),
        FilterExpression="video_id = :v",
        ExpressionAttributeValues={":v": {"S": video_id}},
    )
    terms = {item["term"]["S"] for item in entries["Items"]}
    assert f"w#{third}" in terms
    assert not {f"w#{first}", f"w#{second}"} & terms  # the cut-short write's entries are gone
