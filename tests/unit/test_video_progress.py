"""A video's `progress` is one scale everywhere: percent, 0 to 100, checked on the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from videoshare.domain import keys
from videoshare.domain.video import InvalidTransition, Video, VideoStatus

NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
VIDEO_ID = "0123456789abcdef0123456789abcdef"


def processing_video() -> Video:
    return Video.model_validate(
        {
            "id": VIDEO_ID,
            "owner_id": "owner",
            "title": "t",
            "status": VideoStatus.PROCESSING,
            "progress": 0.0,
            "created_at": NOW,
            "updated_at": NOW,
            "filename": "a.mp4",
            "content_type": "video/mp4",
            "declared_size_bytes": 10,
            "source_key": keys.source_key(VIDEO_ID),
            "upload_expires_at": NOW + timedelta(hours=1),
        }
    )


@pytest.mark.parametrize("percent", [0.0, 0.4, 42.25, 100.0])
def test_progress_is_kept_in_percent(percent: float) -> None:
    assert processing_video().with_progress(percent).progress == round(percent, 1)


@pytest.mark.parametrize("percent", [-0.5, 100.5, 8540.0])
def test_progress_outside_0_to_100_is_refused(percent: float) -> None:
    with pytest.raises(ValidationError, match="progress"):
        processing_video().with_progress(percent)


def test_a_processing_video_turns_playable_once_its_master_is_stored_and_stays_so() -> None:
    video = processing_video()
    assert not video.playable
    playable = video.playable_while_processing(keys.hls_master_key(VIDEO_ID))
    assert playable.playable
    assert playable.with_progress(50.0).playable  # progress reports keep it
    assert not playable.playable_while_processing(None).playable  # a failed attempt's undoing
    assert not playable.rejected("corrupt", "Damaged.").playable  # only processing or ready


def test_only_a_processing_video_can_turn_playable_before_ready() -> None:
    ready = processing_video().model_copy(update={"status": VideoStatus.READY})
    with pytest.raises(InvalidTransition):
        ready.playable_while_processing(keys.hls_master_key(VIDEO_ID))


def importing_video() -> Video:
    return processing_video().model_copy(
        update={
            "status": VideoStatus.AWAITING_UPLOAD,
            "progress": None,
            "import_url": "https://videos.example.com/a.mp4",
        }
    )


def test_an_import_reports_its_fetch_on_the_same_scale_and_the_upload_clears_it() -> None:
    fetching = importing_video().import_progressed(37.26)
    assert fetching.progress == 37.3
    fetched = fetching.import_fetched(1234, progress=100.0)
    assert (fetched.declared_size_bytes, fetched.progress) == (1234, 100.0)
    assert fetched.uploaded().progress is None  # the pipeline's own progress starts afresh
    # without an announced size there is no percentage to end on
    assert importing_video().import_fetched(1234).progress is None


def test_only_a_video_whose_import_runs_takes_import_progress() -> None:
    upload = importing_video().model_copy(update={"import_url": None})
    uploaded = importing_video().uploaded()
    for video in (upload, uploaded, processing_video()):
        with pytest.raises(InvalidTransition):
            video.import_progressed(10.0)
        with pytest.raises(InvalidTransition):
            video.import_fetched(10)
