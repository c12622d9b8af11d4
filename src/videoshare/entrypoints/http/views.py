"""The public face of a video: the stored record minus internals, plus short-lived URLs."""

from __future__ import annotations

from dataclasses import dataclass

from videoshare.adapters.storage import MediaStorage
from videoshare.domain.playback_tokens import PlaybackTokens
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.http.schemas import RenditionOut, VideoOut


@dataclass(frozen=True, slots=True)
class PlaybackLinks:
    """Links to the ingress's playback routes (`api/playback.py`), each with a fresh token."""

    tokens: PlaybackTokens
    base_url: str

    def hls(self, video_id: str) -> str:
        token = self.tokens.issue(video_id)
        return f"{self.base_url}/v1/videos/{video_id}/hls/master.m3u8?token={token}"

    def storyboard(self, video_id: str) -> str:
        token = self.tokens.issue(video_id)
        return f"{self.base_url}/v1/videos/{video_id}/storyboard.vtt?token={token}"


async def video_view(
    video: Video, storage: MediaStorage, ttl_s: int, playback: PlaybackLinks | None = None
) -> VideoOut:
    """`video` as API.md shows it; media URLs only once it is ready.

    `size_bytes` is the measured size of the upload once known, the declared one before.
    `hls_url` and `storyboard_url` need `playback` (the links depend on the request's origin).
    """
    ready = video.status is VideoStatus.READY
    renditions = []
    poster_url = hls_url = storyboard_url = None
    if ready:
        for rendition in video.renditions:
            url = await storage.presign_media(rendition.key, ttl_s)
            renditions.append(
                RenditionOut(
                    name=rendition.name,
                    width=rendition.width,
                    height=rendition.height,
                    bitrate=rendition.bitrate,
                    url=url,
                )
            )
        if video.poster_key:
            poster_url = await storage.presign_media(video.poster_key, ttl_s)
        if playback and video.hls_master_key:
            hls_url = playback.hls(video.id)
        if playback and video.storyboard_vtt_key:
            storyboard_url = playback.storyboard(video.id)
    return VideoOut(
        id=video.id,
        owner_id=video.owner_id,
        title=video.title,
        description=video.description,
        tags=video.tags,
        visibility=video.visibility,
        status=video.status,
        status_reason=video.status_reason,
        progress=video.progress,
        created_at=video.created_at,
        updated_at=video.updated_at,
        duration_s=video.duration_s,
        width=video.width,
        height=video.height,
        size_bytes=video.size_bytes if video.size_bytes is not None else video.declared_size_bytes,
        renditions=renditions,
        poster_url=poster_url,
        hls_url=hls_url,
        storyboard_url=storyboard_url,
    )
