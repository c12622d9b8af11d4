"""Downloads: which object a download serves, under which filename, as a signed URL (S3 or the
CDN: `MediaUrlSigner`).

rendition None        the largest rendition, once the video is ready
rendition "720p"      that rendition (`RenditionNotFound` when there is none)
rendition "source"    the original upload, for its owner only, once it arrived
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Protocol

from videoshare.domain.errors import NotReady, OwnerOnly, RenditionNotFound, SourceNotAvailable
from videoshare.domain.video import Rendition, Video, VideoStatus
from videoshare.settings import Settings
from videoshare.usecases.ports import MediaUrlSigner, VideoStore
from videoshare.usecases.videos import readable_video

SOURCE = "source"
# The source can be downloaded once it arrived, until it is rejected or deleted.
_SOURCE_STATUSES = frozenset(
    {VideoStatus.UPLOADED, VideoStatus.PROCESSING, VideoStatus.READY, VideoStatus.FAILED}
)


class DownloadPorts(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def videos(self) -> VideoStore: ...
    @property
    def media_urls(self) -> MediaUrlSigner: ...


@dataclass(frozen=True, slots=True)
class Download:
    key: str
    filename: str


async def download_url(
    ports: DownloadPorts, video_id: str, rendition: str | None, user_id: str | None
) -> str:
    """A signed URL that saves the chosen file (see the module's table)."""
    video = await readable_video(ports, video_id, user_id)
    target = download_of(video, rendition, user_id)
    return await ports.media_urls.download_url(
        video.id, target.key, target.filename, ports.settings.download_url_ttl_s
    )


def download_of(video: Video, rendition: str | None, user_id: str | None) -> Download:
    """Which object a download of `video` serves, and under which filename."""
    if rendition == SOURCE:
        if user_id != video.owner_id:
            raise OwnerOnly("Only the owner can download the original upload; pick a rendition.")
        if video.status not in _SOURCE_STATUSES:
            raise SourceNotAvailable(
                f"The original is not available while the video is {video.status}."
            )
        return Download(video.source_key, video.filename)
    if video.status is not VideoStatus.READY:
        raise NotReady(f"The video is {video.status}; downloads open once it is ready.")
    chosen = (
        _largest(video.renditions)
        if rendition is None
        else next((r for r in video.renditions if r.name == rendition), None)
    )
    if chosen is None:
        names = ", ".join(r.name for r in video.renditions) or "none"
        raise RenditionNotFound(
            f"This video has no rendition {rendition!r} (it has: {names}, source)."
        )
    stem = PurePosixPath(video.filename).stem or "video"
    return Download(chosen.key, f"{stem}-{chosen.name}.mp4")


def _largest(renditions: list[Rendition]) -> Rendition | None:
    return max(renditions, key=lambda r: (r.width * r.height, r.bitrate), default=None)
