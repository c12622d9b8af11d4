"""Views: one is counted when playback starts, at most once per viewer, video and hour.

The viewer is the logged-in person, else the caller's address. Only what the caller may see
and is ready counts (the rules of `GET /v1/videos/{id}`: `VideoNotFound` otherwise), except
that a repeat this process counted within the hour is answered at once, reading nothing (a
player that restarts, a burst of clicks: the cheap path). The
counting itself (once per hour across every ingress process, added to the record in batches)
is the `ViewCounter` port's (`adapters/views.py`).
"""

from __future__ import annotations

from typing import Protocol

from videoshare.domain.errors import NotReady
from videoshare.domain.video import VideoStatus
from videoshare.usecases.ports import ViewCounter
from videoshare.usecases.videos import ReadPorts, readable_video


class ViewPorts(ReadPorts, Protocol):
    @property
    def views(self) -> ViewCounter: ...


async def record_view(
    ports: ViewPorts, video_id: str, user_id: str | None, address: str, now: float
) -> bool:
    """Count a view of the video by the caller; False when counted this hour already."""
    viewer = f"user:{user_id}" if user_id else f"address:{address}"
    if ports.views.counted_here(video_id, viewer, now):
        return False
    video = await readable_video(ports, video_id, user_id)
    if video.status is not VideoStatus.READY:
        raise NotReady(f"The video is {video.status}; views count once it is ready.")
    return await ports.views.count(video.id, viewer, now)
