"""`TermIndex`: `FakeTermIndex` and `adapters.search.SearchIndex` (DynamoDB) find alike
(indexing is the metadata-indexer's; it is here because searching needs an index)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Protocol

import pytest

from tests.contract.conftest import Emulated
from tests.fakes.search import FakeTermIndex
from videoshare.adapters.search import SearchIndex
from videoshare.domain.errors import BadCursor
from videoshare.domain.events import utc_now
from videoshare.domain.search_terms import parse_query
from videoshare.domain.video import Video, VideoStatus, Visibility
from videoshare.infra.topology import SEARCH_TABLE
from videoshare.usecases.ports import TermIndex

START = utc_now().replace(microsecond=0)


class IndexedTerms(TermIndex, Protocol):
    async def reindex(self, video_id: str, video: Video | None) -> None: ...


@pytest.fixture
async def index(backend: Emulated | None) -> IndexedTerms:
    if backend is None:
        return FakeTermIndex()
    return SearchIndex(backend.aws.dynamodb, await backend.fresh_table(SEARCH_TABLE))


async def _indexed(index: IndexedTerms, title: str, seconds: int, **fields: object) -> Video:
    video_id = uuid.uuid4().hex
    created_at = START + timedelta(seconds=seconds)
    video = Video.model_validate(
        {
            "id": video_id,
            "owner_id": "alice",
            "title": title,
            "tags": ["Summer"],
            "visibility": Visibility.PUBLIC,
            "status": VideoStatus.READY,
            "created_at": created_at,
            "updated_at": created_at,
            "filename": "a.mp4",
            "content_type": "video/mp4",
            "declared_size_bytes": 1,
            "source_key": f"uploads/{video_id}/source",
            "upload_expires_at": created_at,
            **fields,
        }
    )
    await index.reindex(video.id, video)
    return video


async def test_a_search_finds_every_term_newest_first_in_pages(index: IndexedTerms) -> None:
    older = await _indexed(index, "Beach day", 1)
    newer = await _indexed(index, "Beach night", 2)
    await _indexed(index, "Mountain day", 3)
    query = parse_query("beach", None)
    first = await index.search(query, 1, None)
    assert first.video_ids == [newer.id]
    assert first.next_cursor is not None
    rest = await index.search(query, 1, first.next_cursor)
    assert rest.video_ids == [older.id]
    both = await index.search(parse_query("day beach", "summer"), 10, None)
    assert (both.video_ids, both.next_cursor) == ([older.id], None)
    assert (await index.search(parse_query("beach", "winter"), 10, None)).video_ids == []


async def test_a_video_no_longer_searchable_leaves_the_index(index: IndexedTerms) -> None:
    video = await _indexed(index, "Beach day", 1)
    private = video.model_copy(update={"visibility": Visibility.PRIVATE})
    await index.reindex(video.id, private)
    assert (await index.search(parse_query("beach", None), 10, None)).video_ids == []
    await index.reindex(video.id, video)
    await index.reindex(video.id, None)  # deleted
    assert (await index.search(parse_query("beach", None), 10, None)).video_ids == []


async def test_a_retitled_video_is_found_by_its_new_words_only(index: IndexedTerms) -> None:
    video = await _indexed(index, "Beach day", 1)
    await index.reindex(video.id, video.model_copy(update={"title": "Forest walk"}))
    assert (await index.search(parse_query("beach", None), 10, None)).video_ids == []
    assert (await index.search(parse_query("forest", None), 10, None)).video_ids == [video.id]


async def test_a_cursor_continues_only_its_own_search(index: IndexedTerms) -> None:
    for i in range(3):
        await _indexed(index, "Beach day", i)
    cursor = (await index.search(parse_query("beach", None), 1, None)).next_cursor
    assert cursor is not None
    with pytest.raises(BadCursor):
        await index.search(parse_query("mountain", None), 1, cursor)
    with pytest.raises(BadCursor):
        await index.search(parse_query("beach", None), 1, "not-a-cursor")
