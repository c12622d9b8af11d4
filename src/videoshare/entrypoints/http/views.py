"""What the use cases return, as the API shows it: a video (the stored record minus internals,
plus short-lived signed URLs), an Upload, a resumed upload, the links to the playback routes."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from videoshare.domain.playback_tokens import PlaybackTokens
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.schemas import (
    CaptionOut,
    MultipartUploadOut,
    PartUrlOut,
    RenditionOut,
    ResumedMultipartOut,
    UploadedPartOut,
    UploadOut,
    VideoOut,
)
from videoshare.usecases.playback import playback_tokens
from videoshare.usecases.ports import MediaUrlSigner, PresignedUpload
from videoshare.usecases.upload_urls import MultipartUpload, Upload
from videoshare.usecases.uploads import ResumedMultipart


@dataclass(frozen=True, slots=True)
class PlaybackLinks:
    """Links to the ingress's playback routes (`routes/playback.py`), each with a fresh token."""

    tokens: PlaybackTokens
    base_url: str

    def hls(self, video: Video) -> str:
        token = self.tokens.issue(video)
        return f"{self.base_url}/v1/videos/{video.id}/hls/master.m3u8?token={token}"

    def captions(self, video: Video, language: str) -> str:
        token = self.tokens.issue(video)
        return f"{self.base_url}/v1/videos/{video.id}/captions/{language}.vtt?token={token}"

    def rendition(self, video: Video, name: str) -> str:
        """The rendition as one MP4 file (`routes/renditions.py`)."""
        token = self.tokens.issue(video)
        return f"{self.base_url}/v1/videos/{video.id}/renditions/{name}.mp4?token={token}"

    def storyboard(self, video: Video) -> str:
        token = self.tokens.issue(video)
        return f"{self.base_url}/v1/videos/{video.id}/storyboard.vtt?token={token}"


def playback_links(request: web.Request) -> PlaybackLinks:
    """Links for the Videos of this answer: on `public_base_url`, else the request's origin."""
    settings = dependencies(request).settings
    base = settings.public_base_url or str(request.url.origin())
    return PlaybackLinks(playback_tokens(settings), base.rstrip("/"))


async def video_view(
    video: Video, media_urls: MediaUrlSigner, ttl_s: int, playback: PlaybackLinks | None = None
) -> VideoOut:
    """`video` as API.md shows it; media URLs only once it is ready (signed together: one
    signature for the video's folder on the CDN), but `hls_url` as soon as it is `playable`
    (while processing, once its first segments are stored).

    `size_bytes` is the measured size of the upload once known, the declared one before.
    `hls_url`, `storyboard_url` and the renditions' URLs need `playback` (the links depend on
    the request's origin); each rendition's `url` is its MP4 file, streamed by the ingress.
    """
    renditions = []
    poster_url = storyboard_url = None
    hls_url = playback.hls(video) if playback and video.playable else None
    if video.status is VideoStatus.READY:
        if playback:
            renditions = [
                RenditionOut(
                    name=rendition.name,
                    width=rendition.width,
                    height=rendition.height,
                    bitrate=rendition.bitrate,
                    url=playback.rendition(video, rendition.name),
                )
                for rendition in video.renditions
            ]
        if video.poster_key:
            [poster_url] = await media_urls.media_urls(video.id, [video.poster_key], ttl_s)
        if playback and video.storyboard_vtt_key:
            storyboard_url = playback.storyboard(video)
    captions = [caption_view(video, c.language, c.label, playback) for c in video.captions]
    return VideoOut(
        id=video.id,
        owner_id=video.owner_id,
        owner_display_name=video.owner_display_name,
        title=video.title,
        description=video.description,
        tags=video.tags,
        visibility=video.visibility,
        status=video.status,
        status_reason=video.status_reason,
        progress=video.progress,
        playable=video.playable,
        views=video.views,
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
        captions=captions,
    )


def caption_view(
    video: Video, language: str, label: str, playback: PlaybackLinks | None
) -> CaptionOut:
    """One language's captions; its `<track>` URL once the video plays."""
    url = None
    if playback and video.status is VideoStatus.READY:
        url = playback.captions(video, language)
    return CaptionOut(language=language, label=label, url=url)


async def request_video_view(request: web.Request, video: Video) -> VideoOut:
    """`video_view` with this request's storage, URL lifetime and playback links."""
    deps = dependencies(request)
    return await video_view(
        video, deps.media_urls, deps.settings.download_url_ttl_s, playback_links(request)
    )


def upload_view(upload: Upload) -> UploadOut | MultipartUploadOut:
    if isinstance(upload, PresignedUpload):
        return UploadOut(url=upload.url, headers=upload.headers, expires_at=upload.expires_at)
    return MultipartUploadOut(
        upload_id=upload.upload_id,
        part_size=upload.part_size,
        parts=_part_urls(upload),
        expires_at=upload.expires_at,
    )


def resumed_view(resumed: PresignedUpload | ResumedMultipart) -> UploadOut | ResumedMultipartOut:
    if isinstance(resumed, PresignedUpload):
        return UploadOut(url=resumed.url, headers=resumed.headers, expires_at=resumed.expires_at)
    upload = resumed.upload
    return ResumedMultipartOut(
        upload_id=upload.upload_id,
        part_size=upload.part_size,
        parts=_part_urls(upload),
        expires_at=upload.expires_at,
        uploaded_parts=[
            UploadedPartOut(part_number=p.part_number, etag=p.etag, size=p.size)
            for p in resumed.uploaded_parts
        ],
    )


def _part_urls(upload: MultipartUpload) -> list[PartUrlOut]:
    return [
        PartUrlOut(part_number=n, url=url, size=size)
        for n, (url, size) in enumerate(zip(upload.part_urls, upload.part_sizes, strict=True), 1)
    ]
