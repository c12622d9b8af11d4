"""Indexing against the fakes: the last step to `ready`, its one `video.ready` however often it
is reached, videos to leave alone, a writer racing the write, and the search entries following
the record whatever the events' order."""

from __future__ import annotations

import pytest

from tests.fakes.workers import WorkerFakes
from tests.records import transcoded
from tests.usecases.workers_support import InterferingVideoStore, store_video, stored
from videoshare.bus.outcomes import RetryLater
from videoshare.domain import keys
from videoshare.domain.events import (
    VideoReady,
    follow_up_id,
)
from videoshare.domain.search_terms import parse_query
from videoshare.domain.video import Rendition, Video, VideoStatus, Visibility
from videoshare.usecases.index_video import index_change, index_transcoded

PRODUCER = "metadata-indexer"


@pytest.fixture
def fakes() -> WorkerFakes:
    return WorkerFakes()


async def processing(fakes: WorkerFakes, **overrides: object) -> Video:
    fields: dict[str, object] = {"status": VideoStatus.PROCESSING, "size_bytes": 48_213}
    return await store_video(fakes, **{**fields, **overrides})


def found(fakes: WorkerFakes, q: str) -> list[str]:
    return fakes.search.found(parse_query(q, None))


async def test_a_transcoded_video_becomes_ready_with_its_metadata_and_is_found(
    fakes: WorkerFakes,
) -> None:
    video = await processing(fakes, progress=100.0)
    event = transcoded(video)

    await index_transcoded(fakes, event, producer=PRODUCER)

    after = stored(fakes, video.id)
    assert (after.status, after.progress, after.version) == (VideoStatus.READY, None, 2)
    assert (after.duration_s, after.width, after.height) == (2.02, 320, 240)
    assert after.renditions == [Rendition(**event.data.renditions[0].model_dump())]
    assert (after.poster_key, after.hls_master_key) == (
        keys.poster_key(video.id),
        keys.hls_master_key(video.id),
    )
    (ready,) = fakes.publisher.published
    assert isinstance(ready, VideoReady)
    assert ready.id == follow_up_id(event.id, "video.ready")
    assert (ready.correlation_id, ready.data.title) == (video.correlation_id, video.title)
    assert found(fakes, "HARBOUR sunset") == [video.id]
    assert found(fakes, "harbour moon") == []


async def test_the_same_event_again_writes_nothing_and_says_the_same_ready(
    fakes: WorkerFakes,
) -> None:
    video = await processing(fakes)
    event = transcoded(video)

    await index_transcoded(fakes, event, producer=PRODUCER)
    ready_once = stored(fakes, video.id)
    await index_transcoded(fakes, event, producer=PRODUCER)

    assert stored(fakes, video.id) == ready_once
    first, second = fakes.publisher.published
    assert second.id == first.id


@pytest.mark.parametrize(
    "status", [VideoStatus.REJECTED, VideoStatus.FAILED, VideoStatus.DELETED, None]
)
async def test_a_video_not_processing_is_left_as_it_is(
    fakes: WorkerFakes, status: VideoStatus | None
) -> None:
    video = await processing(fakes, status=status or VideoStatus.PROCESSING)
    if status is None:
        del fakes.videos.records[video.id]

    await index_transcoded(fakes, transcoded(video), producer=PRODUCER)

    assert fakes.videos.records.get(video.id) == (video if status else None)
    assert fakes.publisher.published == []
    assert found(fakes, "harbour") == []


async def test_a_writer_racing_the_ready_write_makes_it_wait_for_a_fresh_read() -> None:
    fakes = WorkerFakes(videos=InterferingVideoStore())
    video = await processing(fakes)
    assert isinstance(fakes.videos, InterferingVideoStore)
    fakes.videos.interfere_after_get(lambda v: v.model_copy(update={"title": "Edited"}))

    with pytest.raises(RetryLater):
        await index_transcoded(fakes, transcoded(video), producer=PRODUCER)

    assert stored(fakes, video.id).status is VideoStatus.PROCESSING
    assert fakes.publisher.published == []


async def test_change_events_index_what_the_record_says_whatever_their_order(
    fakes: WorkerFakes,
) -> None:
    video = await store_video(fakes, status=VideoStatus.READY)
    await index_change(fakes, video.id)
    assert found(fakes, "harbour") == [video.id]

    private = await fakes.videos.save(
        video.model_copy(update={"visibility": Visibility.PRIVATE}), expected=video
    )
    await index_change(fakes, video.id)
    assert found(fakes, "harbour") == []

    await fakes.videos.save(private.deleted(), expected=private)
    await index_change(fakes, video.id)
    await index_change(fakes, "0" * 32)  # no record: nothing to find, nothing to fail
    assert found(fakes, "harbour") == []


async def test_a_record_that_changes_while_it_is_indexed_is_indexed_again() -> None:
    fakes = WorkerFakes(videos=InterferingVideoStore())
    video = await store_video(fakes, status=VideoStatus.READY)
    assert isinstance(fakes.videos, InterferingVideoStore)
    fakes.videos.interfere_after_get(lambda v: v.model_copy(update={"title": "Moonrise"}))

    await index_change(fakes, video.id)

    assert fakes.search.reindexed == [video.id, video.id]
    assert found(fakes, "moonrise") == [video.id]
    assert found(fakes, "sunset") == []
