"""The transcode's progress on the video record: ffmpeg's reports while it runs, 100 % once
the job is done, and never a write that would move a video no longer processing."""

from __future__ import annotations

import pytest

from tests.fakes.workers import WorkerFakes
from tests.usecases.workers_support import store_video, stored
from videoshare.domain.video import VideoStatus
from videoshare.usecases.transcode_job import ProgressReporter


@pytest.fixture
def fakes() -> WorkerFakes:
    return WorkerFakes()


async def test_the_first_report_is_written_and_ffmpegs_own_100_is_left_to_the_end(
    fakes: WorkerFakes,
) -> None:
    video = await store_video(fakes, status=VideoStatus.PROCESSING, progress=0.0)
    reporter = ProgressReporter(fakes.videos, video)

    await reporter.report_running(42.34)
    assert stored(fakes, video.id).progress == 42.3
    await reporter.report_running(100.0)
    assert stored(fakes, video.id).progress == 42.3

    await reporter.report_done()
    assert stored(fakes, video.id).progress == 100.0


async def test_a_report_is_written_at_most_once_a_second_and_once_a_point(
    fakes: WorkerFakes,
) -> None:
    """At most 100 writes of the record however long the video: a long one's reports a second
    apart are mostly under a point apart."""
    video = await store_video(fakes, status=VideoStatus.PROCESSING, progress=0.0)
    now = [1000.0]
    reporter = ProgressReporter(fakes.videos, video, clock=lambda: now[0])

    await reporter.report_running(10.0)
    now[0] += 0.5
    await reporter.report_running(12.0)  # within the second
    assert stored(fakes, video.id).progress == 10.0
    now[0] += 1.0
    await reporter.report_running(10.9)  # a second later, under a point more
    assert stored(fakes, video.id).progress == 10.0
    now[0] += 1.0
    await reporter.report_running(11.0)
    assert stored(fakes, video.id).progress == 11.0


async def test_a_video_that_left_processing_is_not_written(fakes: WorkerFakes) -> None:
    video = await store_video(fakes, status=VideoStatus.PROCESSING, progress=10.0)
    rejected = await fakes.videos.save(video.rejected("corrupt", "Damaged."), expected=video)

    await ProgressReporter(fakes.videos, video).report_done()

    assert stored(fakes, video.id) == rejected


async def test_a_report_that_loses_a_race_is_skipped_and_the_next_expects_the_fresh_record(
    fakes: WorkerFakes,
) -> None:
    video = await store_video(fakes, status=VideoStatus.PROCESSING, progress=10.0)
    reporter = ProgressReporter(fakes.videos, video)
    # another writer, after the job last saw the record
    await fakes.videos.save(video.model_copy(update={"title": "Edited"}), expected=video)

    await reporter.report_done()  # lost the race: no error, nothing written
    after = stored(fakes, video.id)
    assert (after.title, after.progress) == ("Edited", 10.0)

    await reporter.report_done()
    after = stored(fakes, video.id)
    assert (after.title, after.progress) == ("Edited", 100.0)
