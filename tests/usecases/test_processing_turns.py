"""Processing turns against the fakes: an owner's uploads past the limit wait in the
upload-finalizer (accepted, but no `video.uploaded` until a turn is free), the transcoder waits
before it fetches anything, every end of processing (ready, failed, rejected, deleted) frees the
turn, and the sweep leaves a video waiting its turn alone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.fakes.workers import WorkerFakes
from tests.records import OWNER
from tests.usecases.workers_support import store_video, stored
from videoshare.bus.outcomes import Defer
from videoshare.domain.events import VideoUploaded, utc_now, video_uploaded
from videoshare.domain.video import Video, VideoStatus
from videoshare.media.probe import ProbeLimits
from videoshare.usecases.finalize_upload import finalize_upload
from videoshare.usecases.housekeeping import forget_deleted_video, sweep_pending
from videoshare.usecases.lifecycle import give_up
from videoshare.usecases.processing_turns import ProcessingTurns, end_turn
from videoshare.usecases.transcode import TranscodeConfig, transcode_video

TURNS = ProcessingTurns(limit=2, slot_ttl_s=600, wait_s=7)
MP4_START = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


@pytest.fixture
def fakes() -> WorkerFakes:
    return WorkerFakes()


async def upload(fakes: WorkerFakes, owner_id: str = OWNER) -> Video:
    """A video whose upload (an MP4 start of the declared size) has just arrived."""
    video = await store_video(fakes, owner_id=owner_id, declared_size_bytes=100)
    fakes.objects.put(video.source_key, MP4_START + b"\x00" * (100 - len(MP4_START)))
    return video


async def finalize(fakes: WorkerFakes, video: Video) -> None:
    await finalize_upload(
        fakes,
        bucket=fakes.objects.bucket,
        key=video.source_key,
        cause_id=f"s3:{video.id}",
        producer="upload-finalizer",
        turns=TURNS,
    )


def announced(fakes: WorkerFakes) -> list[str]:
    return [e.data.video_id for e in fakes.publisher.published if isinstance(e, VideoUploaded)]


async def test_uploads_past_the_limit_are_accepted_but_wait_their_turn(
    fakes: WorkerFakes,
) -> None:
    first, second, third = [await upload(fakes) for _ in range(3)]
    await finalize(fakes, first)
    await finalize(fakes, second)

    with pytest.raises(Defer) as waiting:
        await finalize(fakes, third)

    assert waiting.value.delay_s == 7
    assert stored(fakes, third.id).status is VideoStatus.UPLOADED  # accepted meanwhile
    assert announced(fakes) == [first.id, second.id]
    # someone else's upload is not held up by them
    other = await upload(fakes, owner_id="someone-else")
    await finalize(fakes, other)
    # the first is transcoded: the third's deferred message, back, takes its turn
    await end_turn(fakes, OWNER, first.id)
    await finalize(fakes, third)
    assert announced(fakes) == [first.id, second.id, other.id, third.id]


async def test_the_transcoder_waits_for_a_turn_before_fetching_anything(
    fakes: WorkerFakes, tmp_path: Path
) -> None:
    for _ in range(2):
        await finalize(fakes, await upload(fakes))
    video = await store_video(fakes, status=VideoStatus.UPLOADED, size_bytes=100)
    config = TranscodeConfig(
        limits=ProbeLimits(), ffmpeg_threads=1, timeout_s=60, work_dir=str(tmp_path), turns=TURNS
    )
    event = video_uploaded(video, cause_id=f"s3:{video.id}", producer="sweep")
    fakes.publisher.published.clear()

    with pytest.raises(Defer):
        await transcode_video(fakes, event, producer="transcoder", config=config)

    assert stored(fakes, video.id).status is VideoStatus.UPLOADED
    assert fakes.publisher.published == []
    assert list(tmp_path.iterdir()) == []  # nothing fetched


async def test_a_video_not_to_transcode_gives_back_the_turn_it_took(
    fakes: WorkerFakes, tmp_path: Path
) -> None:
    video = await store_video(fakes, status=VideoStatus.READY)
    config = TranscodeConfig(
        limits=ProbeLimits(), ffmpeg_threads=1, timeout_s=60, work_dir=str(tmp_path), turns=TURNS
    )
    event = video_uploaded(video, cause_id=f"s3:{video.id}", producer="sweep")

    await transcode_video(fakes, event, producer="transcoder", config=config)

    assert await fakes.slots.held(OWNER, utc_now().timestamp()) == 0


async def held_after(fakes: WorkerFakes, video: Video) -> int:
    return await fakes.slots.held(video.owner_id, utc_now().timestamp())


async def test_every_end_of_processing_but_transcoded_frees_the_turn(
    fakes: WorkerFakes, tmp_path: Path
) -> None:
    """(A transcode that succeeds ends it too: `test_transcode.py`.)"""
    failed = await upload(fakes)
    await finalize(fakes, failed)
    assert await held_after(fakes, failed) == 1
    await give_up(fakes, failed.id, cause_id="m-1", reason="gave up", producer="transcoder")
    assert await held_after(fakes, failed) == 0

    rejected, deleted = [await upload(fakes) for _ in range(2)]
    for video in (rejected, deleted):
        await finalize(fakes, video)
    # the transcoder's probe finds the upload is only the start of an MP4
    config = TranscodeConfig(
        limits=ProbeLimits(), ffmpeg_threads=1, timeout_s=60, work_dir=str(tmp_path), turns=TURNS
    )
    event = video_uploaded(stored(fakes, rejected.id), cause_id="s3:r", producer="finalizer")
    await transcode_video(fakes, event, producer="transcoder", config=config)
    assert stored(fakes, rejected.id).status is VideoStatus.REJECTED
    assert await held_after(fakes, rejected) == 1  # the deleted one's
    await forget_deleted_video(fakes, deleted.owner_id, deleted.id)
    assert await held_after(fakes, deleted) == 0


async def test_the_sweep_leaves_a_video_waiting_its_turn_alone(fakes: WorkerFakes) -> None:
    long_ago = utc_now() - timedelta(hours=2)
    waiting = await store_video(
        fakes, status=VideoStatus.UPLOADED, updated_at=long_ago, size_bytes=100
    )

    async def sweep() -> dict[str, int]:
        done = await sweep_pending(
            fakes, stuck_after_s=900, upload_ttl_s=3600, producer="housekeeping", turns=TURNS
        )
        return dict(done)

    for _ in range(2):
        await finalize(fakes, await upload(fakes))
    fakes.publisher.published.clear()
    assert await sweep() == {}
    assert fakes.publisher.published == []

    await fakes.slots.release(waiting.owner_id, next(iter(fakes.slots.slots[OWNER])))
    assert await sweep() == {"republish_uploaded": 1}
    assert announced(fakes) == [waiting.id]
