"""Playback through the ingress (`usecases/playback.py`): HLS playlists and the storyboard.

    GET /v1/videos/{id}/hls/master.m3u8?token=…         the master playlist
    GET /v1/videos/{id}/hls/{name}.m3u8?token=…         a rendition's playlist
    GET /v1/videos/{id}/storyboard.vtt?token=…          thumbnails for the seek bar
    GET /v1/videos/{id}/hls/subtitles/{language}.m3u8?token=…   a language's subtitle playlist
    GET /v1/videos/{id}/captions/{language}.vtt?token=…         its WebVTT, for a <track>

With `token` (from the Video's `hls_url`/`storyboard_url`) no Authorization is looked at;
without one, the caller must be allowed to `GET` the video, and a token that is not valid in
the Authorization header is refused even where none is needed.
"""

from __future__ import annotations

from aiohttp import web

from videoshare.entrypoints.http.bearer import optional_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.usecases.captions import captions_text, subtitle_playlist_text
from videoshare.usecases.playback import hls_playlist, storyboard

routes = web.RouteTableDef()

HLS_CONTENT_TYPE = "application/vnd.apple.mpegurl"
_NAME = r"[A-Za-z0-9_-]{1,64}(?:/[A-Za-z0-9_-]{1,64}){0,3}"
_LANGUAGE = "{language:[A-Za-z0-9-]{1,64}}"


# Before `hls` below, whose pattern matches this path too: the ingress makes these playlists
# (`usecases/captions.py`), they are not stored.
@routes.get("/v1/videos/{video_id}/hls/subtitles/" + _LANGUAGE + ".m3u8")
async def subtitle_playlist(request: web.Request) -> web.Response:
    token, user_id = await _caller(request)
    video_id, language = request.match_info["video_id"], request.match_info["language"]
    body = await subtitle_playlist_text(dependencies(request), video_id, language, token, user_id)
    return _text(body, HLS_CONTENT_TYPE)


@routes.get("/v1/videos/{video_id}/hls/{name:" + _NAME + "}.m3u8")
async def hls(request: web.Request) -> web.Response:
    token, user_id = await _caller(request)
    body = await hls_playlist(
        dependencies(request),
        request.match_info["video_id"],
        request.match_info["name"],
        token,
        user_id,
    )
    return _text(body, HLS_CONTENT_TYPE)


@routes.get("/v1/videos/{video_id}/storyboard.vtt")
async def storyboard_vtt(request: web.Request) -> web.Response:
    token, user_id = await _caller(request)
    body = await storyboard(dependencies(request), request.match_info["video_id"], token, user_id)
    return _text(body, "text/vtt")


@routes.get("/v1/videos/{video_id}/captions/" + _LANGUAGE + ".vtt")
async def captions_vtt(request: web.Request) -> web.Response:
    token, user_id = await _caller(request)
    video_id, language = request.match_info["video_id"], request.match_info["language"]
    body = await captions_text(dependencies(request), video_id, language, token, user_id)
    return _text(body, "text/vtt")


async def _caller(request: web.Request) -> tuple[str | None, str | None]:
    """The playback token, or else the user (None: anonymous)."""
    token = request.query.get("token")
    if token is not None:
        return token, None
    user = await optional_user(request)
    return None, user.user_id if user else None


def _text(body: str, content_type: str) -> web.Response:
    # signed URLs inside: no cache may keep them past their life
    return web.Response(
        text=body, content_type=content_type, headers={"Cache-Control": "private, no-store"}
    )
