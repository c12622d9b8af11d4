"""Downloads: which file a download serves, under which filename.

rendition None        the largest rendition, once the video is ready
rendition "720p"      that rendition (`RenditionNotFound` when there is none)
rendition "source"    the original upload, for its owner only, once it arrived

The source is one object: a signed URL (S3 or the CDN: `MediaUrlSigner`) saves it
(`source_url`). A rendition is stored once,
as CMAF for HLS (an init segment and fragmented-MP4 segments, `domain/keys.py`), and that is
also its file: the init segment followed by the segments, in the order its media playlist names
them, is a fragmented MP4 that players and editors open as one. The ingress streams it through
(`rendition_file`: the parts and their sizes, so it answers with a length and byte ranges)
rather than storing a second copy: see docs/ARCHITECTURE.md, "One copy of each rendition".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Protocol

from videoshare.domain import keys
from videoshare.domain.errors import (
    DamagedMedia,
    NotReady,
    OwnerOnly,
    RenditionNotFound,
    SourceNotAvailable,
)
from videoshare.domain.video import Rendition, Video, VideoStatus
from videoshare.media.hls import PlaylistError, parse_media_playlist
from videoshare.settings import Settings
from videoshare.usecases.playback import MAX_PLAYLIST_BYTES, video_for_playback
from videoshare.usecases.ports import MediaStore, MediaUrlSigner, VideoStore
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
    def storage(self) -> MediaStore: ...
    @property
    def media_urls(self) -> MediaUrlSigner: ...


@dataclass(frozen=True, slots=True)
class SourceDownload:
    """The original upload: one object, saved from a presigned URL."""

    key: str
    filename: str


@dataclass(frozen=True, slots=True)
class RenditionDownload:
    """A rendition, served by the ingress (`rendition_file`)."""

    video: Video
    rendition: str
    filename: str


@dataclass(frozen=True, slots=True)
class Piece:
    """Bytes `start` to `stop` (exclusive) of the object at `key`."""

    key: str
    start: int
    stop: int


@dataclass(frozen=True, slots=True)
class AssembledFile:
    """A file made of stored objects one after another: `parts` are (key, size), in order."""

    filename: str
    parts: list[tuple[str, int]]

    @property
    def size(self) -> int:
        return sum(size for _, size in self.parts)

    def pieces(self, start: int, stop: int) -> list[Piece]:
        """What to read for bytes `start` to `stop` (exclusive) of the file."""
        found, offset = [], 0
        for key, size in self.parts:
            lo, hi = max(start, offset), min(stop, offset + size)
            if lo < hi:
                found.append(Piece(key, lo - offset, hi - offset))
            offset += size
        return found


async def download_of(
    ports: DownloadPorts, video_id: str, rendition: str | None, user_id: str | None
) -> SourceDownload | RenditionDownload:
    """What a download of the video serves (see the module's table)."""
    video = await readable_video(ports, video_id, user_id)
    return chosen_download(video, rendition, user_id)


async def source_url(ports: DownloadPorts, video_id: str, download: SourceDownload) -> str:
    """A signed URL (S3 or the CDN: `MediaUrlSigner`) that saves the original upload."""
    return await ports.media_urls.download_url(
        video_id, download.key, download.filename, ports.settings.download_url_ttl_s
    )


def chosen_download(
    video: Video, rendition: str | None, user_id: str | None
) -> SourceDownload | RenditionDownload:
    """Which file a download of `video` serves, and under which filename."""
    if rendition == SOURCE:
        if user_id != video.owner_id:
            raise OwnerOnly("Only the owner can download the original upload; pick a rendition.")
        if video.status not in _SOURCE_STATUSES:
            raise SourceNotAvailable(
                f"The original is not available while the video is {video.status}."
            )
        return SourceDownload(video.source_key, video.filename)
    chosen = _rendition(video, rendition)
    return RenditionDownload(video, chosen.name, rendition_filename(video, chosen))


def rendition_filename(video: Video, rendition: Rendition) -> str:
    stem = PurePosixPath(video.filename).stem or "video"
    return f"{stem}-{rendition.name}.mp4"


async def rendition_file(
    ports: DownloadPorts,
    video_id: str,
    rendition: str,
    token: str | None,
    user_id: str | None,
) -> AssembledFile:
    """The rendition `rendition` of a ready video as one file: its init segment and its
    segments, with their sizes. Who may: a playback token of the video, or else whoever may
    read it. `DamagedMedia` when a part its playlist names is not stored."""
    video, _ = await video_for_playback(ports, video_id, token, user_id)
    chosen = _rendition(video, rendition)
    text = await ports.storage.read_text(chosen.key, MAX_PLAYLIST_BYTES)
    try:
        if text is None:
            raise PlaylistError("its playlist is missing")
        playlist = parse_media_playlist(text)
        if playlist.init_uri is None or not playlist.ended:
            raise PlaylistError("its playlist is not a finished CMAF one")
    except PlaylistError as exc:
        raise _damaged(video, chosen, str(exc)) from None
    prefix = keys.hls_prefix(video.id)
    names = [playlist.init_uri, *(segment.uri for segment in playlist.segments)]
    sizes = await ports.storage.object_sizes(f"{prefix}{chosen.name}_")
    parts = []
    for name in names:
        size = sizes.get(prefix + name)
        if size is None:
            raise _damaged(video, chosen, f"{name} is missing")
        parts.append((prefix + name, size))
    return AssembledFile(rendition_filename(video, chosen), parts)


def _rendition(video: Video, rendition: str | None) -> Rendition:
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
    return chosen


def _largest(renditions: list[Rendition]) -> Rendition | None:
    return max(renditions, key=lambda r: (r.width * r.height, r.bitrate), default=None)


def _damaged(video: Video, rendition: Rendition, why: str) -> DamagedMedia:
    return DamagedMedia(
        f"The rendition {rendition.name} of video {video.id} cannot be served ({why}); it needs "
        "to be processed again."
    )
