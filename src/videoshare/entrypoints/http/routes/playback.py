"""Playback through the ingress: HLS playlists and the storyboard, for any visibility.

    GET /v1/videos/{id}/hls/master.m3u8?token=…         the master playlist
    GET /v1/videos/{id}/hls/{name}.m3u8?token=…         a rendition's playlist
    GET /v1/videos/{id}/storyboard.vtt?token=…          thumbnails for the seek bar

Playlists are read from S3 (`domain/keys.hls_prefix`) and rewritten (`api/playlists.py`): other
playlists stay relative links to this route with the token carried along, segments and the
sprite become presigned S3 URLs. This works the same on the emulator and on AWS, and for
private and unlisted videos, because every URL is either signed or carries the token.

Who may: a valid playback token for the video (from the Video's `hls_url`/`storyboard_url`),
or without a token whoever may `GET` the video (its owner, anyone for a ready public video).
A token that is not valid is refused even where none is needed.
"""

from __future__ import annotations

import asyncio
import posixpath
from urllib.parse import quote

from aiohttp import web

from videoshare.bootstrap import Dependencies
from videoshare.domain import keys
from videoshare.domain.playback_tokens import PlaybackTokens
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.http.bearer import optional_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.problems import Problem, not_found, video_not_found
from videoshare.entrypoints.http.views import PlaybackLinks
from videoshare.media.playlists import (
    DamagedPlaylist,
    hls_uris,
    is_playlist,
    resolve,
    rewrite_hls,
    rewrite_vtt,
    vtt_images,
)
from videoshare.usecases.videos import readable_video

routes = web.RouteTableDef()

HLS_CONTENT_TYPE = "application/vnd.apple.mpegurl"
# Playlists and storyboards are small text files; anything larger is not one of ours.
MAX_PLAYLIST_BYTES = 1024**2
_NAME = r"[A-Za-z0-9_-]{1,64}(?:/[A-Za-z0-9_-]{1,64}){0,3}"


def playback_tokens(svc: Dependencies) -> PlaybackTokens:
    settings = svc.settings
    return PlaybackTokens(settings.playback_key(), settings.playback_token_ttl_s)


def playback_links(request: web.Request) -> PlaybackLinks:
    """Links for the Videos of this answer: on `public_base_url`, else the request's origin."""
    svc = dependencies(request)
    base = svc.settings.public_base_url or str(request.url.origin())
    return PlaybackLinks(playback_tokens(svc), base.rstrip("/"))


@routes.get("/v1/videos/{video_id}/hls/{name:" + _NAME + "}.m3u8")
async def hls_playlist(request: web.Request) -> web.Response:
    svc = dependencies(request)
    video, token = await _playable(request, svc)
    if video.hls_master_key is None:
        raise not_found("This video has no HLS stream; play a rendition's MP4 instead.")
    path = f"{request.match_info['name']}.m3u8"
    text = await svc.storage.read_text(keys.hls_prefix(video.id) + path, MAX_PLAYLIST_BYTES)
    if text is None:
        raise not_found(f"This video's HLS stream has no playlist {path!r}.")
    folder = posixpath.dirname(path)
    replacements: dict[str, str] = {}
    try:
        for uri in dict.fromkeys(hls_uris(text)):
            target = resolve(folder, uri)
            if is_playlist(target):
                replacements[uri] = f"{uri}?token={quote(token)}"
            else:
                replacements[uri] = await svc.storage.presign_media(
                    keys.hls_prefix(video.id) + target, svc.settings.playback_token_ttl_s
                )
        body = rewrite_hls(text, replacements)
    except DamagedPlaylist as exc:
        raise _damaged(video, exc) from None
    return _text(body, HLS_CONTENT_TYPE)


@routes.get("/v1/videos/{video_id}/storyboard.vtt")
async def storyboard(request: web.Request) -> web.Response:
    svc = dependencies(request)
    video, _ = await _playable(request, svc)
    if video.storyboard_vtt_key is None:
        raise not_found("This video has no storyboard.")
    text = await svc.storage.read_text(video.storyboard_vtt_key, MAX_PLAYLIST_BYTES)
    if text is None:
        raise not_found("This video's storyboard is missing.")
    folder = posixpath.dirname(video.storyboard_vtt_key.removeprefix(keys.media_prefix(video.id)))
    try:
        paths = list(dict.fromkeys(vtt_images(text)))
        urls = await asyncio.gather(
            *(
                svc.storage.presign_media(
                    keys.media_prefix(video.id) + resolve(folder, path),
                    svc.settings.playback_token_ttl_s,
                )
                for path in paths
            )
        )
        body = rewrite_vtt(text, dict(zip(paths, urls, strict=True)))
    except DamagedPlaylist as exc:
        raise _damaged(video, exc) from None
    return _text(body, "text/vtt")


async def _playable(request: web.Request, svc: Dependencies) -> tuple[Video, str]:
    """The ready video and the token to carry into the links; 403 for a token not valid."""
    video_id = request.match_info["video_id"]
    token = request.query.get("token")
    if token is not None:
        if not playback_tokens(svc).valid(video_id, token):
            raise Problem(
                403,
                "bad-playback-token",
                "Playback link not valid",
                "This playback link has expired or is not one of ours; get a fresh `hls_url` "
                "from GET /v1/videos/{id}.",
            )
        video = await svc.videos.get(video_id)
        if video is None or video.status is VideoStatus.DELETED:
            raise video_not_found()
    else:
        user = await optional_user(request)
        video = await readable_video(svc, video_id, user.user_id if user else None)
        token = playback_tokens(svc).issue(video.id)
    if video.status is not VideoStatus.READY:
        raise Problem(
            409,
            "not-ready",
            "Video not ready",
            f"The video is {video.status}; it can be played once it is ready.",
        )
    return video, token


def _text(body: str, content_type: str) -> web.Response:
    # signed URLs inside: no cache may keep them past their life
    return web.Response(
        text=body, content_type=content_type, headers={"Cache-Control": "private, no-store"}
    )


def _damaged(video: Video, exc: DamagedPlaylist) -> Problem:
    return Problem(
        502,
        "damaged-media",
        "Stored media damaged",
        f"The stored playlist of video {video.id} cannot be served ({exc}); it needs to be "
        "processed again.",
    )
