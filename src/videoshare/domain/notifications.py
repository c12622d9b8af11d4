"""A notification: one entry of a user's inbox (the notifier writes them, the owner reads them)."""

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
