"""An entry in a user's notification inbox: what the notifier tells an owner about a video.

Its `id` is the id of the event it tells of, so the same event never makes two entries.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Notification(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    user_id: str
    type: str
    video_id: str
    created_at: datetime
    message: str
