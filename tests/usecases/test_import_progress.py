"""An import's progress (`usecases/import_progress.py`): the importer writes the share of the
announced size it has read, in steps, never per chunk; the hand-over (the real size, before S3
tells the upload-finalizer) says 100 %. Without an announced size nothing is said; an edit
during the fetch costs one write, not the import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from tests.fakes.videos import FakeVideoStore
from tests.fakes.workers import WorkerFakes
from tests.usecases.support import fixed_settings
from tests.usecases.workers_support import InterferingVideoStore, store_video, stored
from videoshare.domain.events import VideoImportRequestedData
from videoshare.domain.video import Video, VideoStatus
from videoshare.settings import Settings
from videoshare.usecases.import_progress import FetchProgress
from videoshare.usecases.imports import import_source
from videoshare.usecases.progress import write_due

URL = "https://videos.example.com/clips/sunset.mp4"
CAP = 500_000
# 200 chunks of 1,000 bytes, an MP4 by its first bytes
SOURCE = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 199_976


class RecordingVideoStore(InterferingVideoStore):
    """Every saved record, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[Video] = []

    async def save(self, changed: Video, *, expected: Video) -> Video:
        written = await super().save(changed, expected=expected)
        self.saved.append(written)
        return written


@dataclass
class Fakes(WorkerFakes):
    videos: FakeVideoStore = field(default_factory=RecordingVideoStore)
    settings: Settings = field(default_factory=lambda: fixed_settings(import_max_bytes=CAP))


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def saved(fakes: Fakes) -> list[Video]:
    assert isinstance(fakes.videos, RecordingVideoStore)
    return fakes.videos.saved


async def run_import(fakes: Fakes) -> Video:
    if URL not in fakes.sources.served:
        fakes.sources.serve(URL, SOURCE)
    video = await store_video(fakes, import_url=URL, declared_size_bytes=CAP)
    assert await fakes.quota.reserve(video.owner_id, video.id, CAP, 10 * CAP)
    data = VideoImportRequestedData(video_id=video.id, owner_id=video.owner_id, source_url=URL)
    await import_source(fakes, data, cause_id="msg-1", producer="importer")
    return stored(fakes, video.id)


async def test_the_fetch_is_written_in_steps_and_ends_at_100_with_the_hand_over(
    fakes: Fakes,
) -> None:
    after = await run_import(fakes)

    *reading, hand_over = saved(fakes)
    assert all(v.status is VideoStatus.AWAITING_UPLOAD for v in saved(fakes))
    percents = [v.progress for v in reading if v.progress is not None]
    assert len(percents) == len(reading)
    # 5 points apart (a pause of a second may add one between), never one per chunk
    assert 15 <= len(percents) <= 25 < len(SOURCE) // fakes.sources.chunk_bytes
    assert percents == sorted(set(percents))
    assert all(0 < p < 100 for p in percents), percents
    assert (hand_over.progress, hand_over.declared_size_bytes) == (100.0, len(SOURCE))
    assert after == hand_over  # the last write: then S3 tells the upload-finalizer
    assert fakes.objects.objects[after.source_key].data == SOURCE


async def test_without_an_announced_size_no_percentage_is_written(fakes: Fakes) -> None:
    fakes.sources.serve(URL, SOURCE, announced=False)
    after = await run_import(fakes)
    [hand_over] = saved(fakes)
    assert hand_over.progress is None
    assert after.declared_size_bytes == len(SOURCE)


async def test_an_edit_during_the_fetch_costs_one_write_not_the_import(fakes: Fakes) -> None:
    assert isinstance(fakes.videos, RecordingVideoStore)
    # the owner renames it right after the importer read the record
    fakes.videos.interfere_after_get(lambda v: v.model_copy(update={"title": "Renamed"}))
    after = await run_import(fakes)
    assert (after.title, after.progress, after.declared_size_bytes) == (
        "Renamed",
        100.0,
        len(SOURCE),
    )


async def test_a_slow_fetch_is_written_once_a_second_and_a_stalled_one_not_at_all(
    fakes: Fakes,
) -> None:
    video = await store_video(fakes, import_url=URL, declared_size_bytes=CAP)
    now = [0.0]
    progress = FetchProgress(fakes.videos, video, clock=lambda: now[0])
    progress.announced(1000)

    async def chunks() -> AsyncIterator[bytes]:
        for step in (0.3, 0.3, 0.5, 0.5, 3.0, 0.0):  # seconds before each 10-byte chunk
            now[0] += step
            yield b"x" * 10

    async for _ in progress.counted(chunks()):
        pass
    # 1 % at 0.3 s (the first), then nothing until a second later, then the one after the stall
    assert [v.progress for v in saved(fakes)] == [1.0, 4.0, 5.0]


@pytest.mark.parametrize(
    ("percent", "last", "since_s", "due"),
    [
        (5.0, 0.0, 0.0, True),  # a step
        (4.9, 0.0, 0.5, False),
        (4.9, 0.0, 1.0, True),  # a second
        (30.9, 30.0, 60.0, False),  # under a point: at most a hundred writes, however long
        (30.0, 30.0, 60.0, False),  # stalled: nothing new to say
        (30.04, 30.0, 60.0, False),  # the same to a tenth
    ],
)
def test_a_write_is_due_after_a_step_or_a_second(
    percent: float, last: float, since_s: float, due: bool
) -> None:
    assert write_due(percent, last, since_s) is due
