"""What housekeeping's sweep does with a video it finds in a non-terminal status. Pure logic.

    awaiting_upload, its upload URL expired      → expire it (abort, delete, `rejected`)
    awaiting_upload, untouched past the threshold → re-publish `video.created`
    uploaded / processing, untouched that long    → re-publish `video.uploaded`
    anything else                                 → leave it

Re-publishing is safe: the events carry deterministic ids, so a consumer that handled them
already drops the copy as a duplicate, and every status change is conditional.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from videoshare.domain.video import Video, VideoStatus

UPLOAD_EXPIRED_CODE = "upload_expired"
UPLOAD_EXPIRED_REASON = (
    "No upload arrived before the upload URL expired; create the video again to get a new one."
)


class SweepAction(StrEnum):
    EXPIRE_UPLOAD = "expire_upload"
    REPUBLISH_CREATED = "republish_created"
    REPUBLISH_UPLOADED = "republish_uploaded"


def plan(video: Video, now: datetime, stuck_after_s: int) -> SweepAction | None:
    """The sweep's action for `video` at `now`, or None when it is fine as it is."""
    stuck = video.updated_at <= now - timedelta(seconds=stuck_after_s)
    match video.status:
        case VideoStatus.AWAITING_UPLOAD if video.upload_expires_at <= now:
            return SweepAction.EXPIRE_UPLOAD
        case VideoStatus.AWAITING_UPLOAD if stuck:
            return SweepAction.REPUBLISH_CREATED
        case VideoStatus.UPLOADED | VideoStatus.PROCESSING if stuck:
            return SweepAction.REPUBLISH_UPLOADED
        case _:
            return None


def oldest_worth_looking_at(
    status: VideoStatus, now: datetime, stuck_after_s: int, upload_ttl_s: int
) -> datetime:
    """Videos of `status` last updated after this cannot need the sweep yet (the index query's
    bound): an awaiting upload may expire before it counts as stuck."""
    quiet_s = stuck_after_s
    if status is VideoStatus.AWAITING_UPLOAD:
        quiet_s = min(stuck_after_s, upload_ttl_s)
    return now - timedelta(seconds=quiet_s)
