"""What housekeeping's sweep decides for a video in each non-terminal status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from videoshare.domain import keys
from videoshare.domain.sweep_plan import SweepAction, oldest_worth_looking_at, plan
from videoshare.domain.video import Video, VideoStatus

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
STUCK_S = 900
VIDEO_ID = "0123456789abcdef0123456789abcdef"


def video(status: VideoStatus, *, idle_s: float, expires_in_s: float = 3600) -> Video:
    fields: dict[str, Any] = {
        "id": VIDEO_ID,
        "owner_id": "owner",
        "title": "t",
        "status": status,
        "created_at": NOW - timedelta(seconds=idle_s),
        "updated_at": NOW - timedelta(seconds=idle_s),
        "filename": "a.mp4",
        "content_type": "video/mp4",
        "declared_size_bytes": 10,
        "source_key": keys.source_key(VIDEO_ID),
        "upload_expires_at": NOW + timedelta(seconds=expires_in_s),
    }
    return Video.model_validate(fields)


def test_an_expired_upload_is_expired_even_before_it_counts_as_stuck() -> None:
    v = video(VideoStatus.AWAITING_UPLOAD, idle_s=70, expires_in_s=-10)
    assert plan(v, NOW, STUCK_S) is SweepAction.EXPIRE_UPLOAD


def test_an_upload_awaited_past_the_threshold_gets_its_created_event_again() -> None:
    v = video(VideoStatus.AWAITING_UPLOAD, idle_s=STUCK_S + 1)
    assert plan(v, NOW, STUCK_S) is SweepAction.REPUBLISH_CREATED


@pytest.mark.parametrize("status", [VideoStatus.UPLOADED, VideoStatus.PROCESSING])
def test_uploaded_or_processing_past_the_threshold_gets_video_uploaded_again(
    status: VideoStatus,
) -> None:
    assert plan(video(status, idle_s=STUCK_S + 1), NOW, STUCK_S) is SweepAction.REPUBLISH_UPLOADED
    assert plan(video(status, idle_s=STUCK_S - 1), NOW, STUCK_S) is None


@pytest.mark.parametrize("status", [s for s in VideoStatus if s.is_terminal])
def test_terminal_videos_are_left_alone(status: VideoStatus) -> None:
    assert plan(video(status, idle_s=10 * STUCK_S, expires_in_s=-10), NOW, STUCK_S) is None


def test_a_recent_awaiting_upload_is_left_alone() -> None:
    assert plan(video(VideoStatus.AWAITING_UPLOAD, idle_s=5), NOW, STUCK_S) is None


def test_the_index_bound_reaches_back_no_further_than_the_upload_ttl_for_awaited_uploads() -> None:
    bound = oldest_worth_looking_at(VideoStatus.AWAITING_UPLOAD, NOW, STUCK_S, upload_ttl_s=60)
    assert bound == NOW - timedelta(seconds=60)
    bound = oldest_worth_looking_at(VideoStatus.UPLOADED, NOW, STUCK_S, upload_ttl_s=60)
    assert bound == NOW - timedelta(seconds=STUCK_S)
