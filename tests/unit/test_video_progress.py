"""A video's `progress` is one scale everywhere: percent, 0 to 100, checked on the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from videoshare.domain import keys
from videoshare.domain.video import Video, VideoStatus

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
