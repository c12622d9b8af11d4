"""Giving up on a video (the workers' give-up hooks) and the conditional transition the workers
share, against the fakes: `failed` once, said again with the same id, never over a video that
is done, and a lost race said as "later"."""

from __future__ import annotations

import pytest

from tests.fakes.workers import WorkerFakes
from tests.usecases.workers_support import InterferingVideoStore, store_video, stored
from videoshare.bus.outcomes import RetryLater
from videoshare.domain.events import VideoFailed, follow_up_id
from videoshare.domain.video import VideoStatus
from videoshare.usecases.lifecycle import give_up, move

REASON = "The video could not be processed; try again."


@pytest.fixture
def fakes() -> WorkerFakes:
    return WorkerFakes()


async def fail(fakes: WorkerFakes, video_id: str, cause_id: str = "msg-1") -> None:
    await give_up(fakes, video_id, cause_id=cause_id, reason=REASON, producer="transcoder")


async def test_a_video_on_its_way_is_failed_and_the_owner_told(fakes: WorkerFakes) -> None:
    video = await store_video(fakes, status=VideoStatus.PROCESSING, progress=40.0)

    await fail(fakes, video.id)

    after = stored(fakes, video.id)
    assert (after.status, after.status_code, after.status_reason, after.progress) == (
        VideoStatus.FAILED,
        "processing_failed",
        REASON,
        None,
    )
    (failed,) = fakes.publisher.published
    assert isinstance(failed, VideoFailed)
    assert failed.id == follow_up_id("msg-1", "video.failed")
    assert (failed.causation_id, failed.correlation_id) == ("msg-1", video.correlation_id)
    assert (failed.producer, failed.data.reason) == ("transcoder", REASON)


async def test_giving_up_again_says_it_again_with_the_same_id_and_writes_nothing(
    fakes: WorkerFakes,
) -> None:
    video = await store_video(fakes, status=VideoStatus.UPLOADED, size_bytes=1000)

    await fail(fakes, video.id)
    failed_once = stored(fakes, video.id)
    await fail(fakes, video.id)

    assert stored(fakes, video.id) == failed_once
    first, second = fakes.publisher.published
    assert second.id == first.id


@pytest.mark.parametrize("status", [VideoStatus.READY, VideoStatus.REJECTED, VideoStatus.DELETED])
async def test_a_video_that_is_done_is_left_as_it_is(
    fakes: WorkerFakes, status: VideoStatus
) -> None:
    video = await store_video(fakes, status=status)

    await fail(fakes, video.id)
    await fail(fakes, "0" * 32)  # no record at all

    assert stored(fakes, video.id) == video
    assert fakes.publisher.published == []


async def test_a_give_up_that_loses_a_race_says_nothing() -> None:
    fakes = WorkerFakes(videos=InterferingVideoStore())
    video = await store_video(fakes, status=VideoStatus.PROCESSING)
    assert isinstance(fakes.videos, InterferingVideoStore)
    fakes.videos.interfere_after_get(lambda v: v.model_copy(update={"progress": 80.0}))

    await fail(fakes, video.id)

    assert stored(fakes, video.id).status is VideoStatus.PROCESSING
    assert fakes.publisher.published == []


async def test_a_transition_that_loses_a_race_is_retried_after_a_fresh_read(
    fakes: WorkerFakes,
) -> None:
    video = await store_video(fakes, status=VideoStatus.UPLOADED, size_bytes=1000)
    await fakes.videos.save(video.model_copy(update={"title": "Edited"}), expected=video)

    with pytest.raises(RetryLater) as later:
        await move(fakes.videos, video.processing(), expected=video)

    assert later.value.delay_s == 1
    assert stored(fakes, video.id).status is VideoStatus.UPLOADED
