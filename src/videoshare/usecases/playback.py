"""Playback through the ingress: a video's HLS playlists and storyboard, rewritten to be played.

Playlists are read from storage (`domain/keys.hls_prefix`) and rewritten (`media/playlists.py`,
which takes the function that makes each URL): other playlists stay relative links carrying the
playback token, segments, init segments and the sprite become signed URLs (`MediaUrlSigner`: S3
presigned, or CloudFront signed for the video's folder, all in one call so the CDN's signature
is made once). This works the same on the emulator and on AWS, and for private and unlisted
videos, because every URL is either signed or carries the token. A video is playable while it
is still processing, once the first segments of every rendition are stored (`Video.playable`):
its media playlists are then EVENT playlists that grow, and end (`#EXT-X-ENDLIST`) when the
transcode does.

Who may: a valid playback token for the video (from the Video's `hls_url`/`storyboard_url`), or
without a token whoever may read the video (its owner, anyone for a ready public video). A token
is bound to the video's playback version, so making the video private revokes it at once.

    token expired or malformed                            BadPlaybackToken
    token not this video's now, video visible to anyone   BadPlaybackToken
    token not this video's now, video private             VideoNotFound
    video gone                                            VideoNotFound
    video not ready           NotReady
    no such playlist          MediaNotFound
    a playlist we cannot read DamagedMedia
"""

from __future__ import annotations

import posixpath
from typing import Protocol
from urllib.parse import quote

from videoshare.domain import keys
from videoshare.domain.errors import (
    BadPlaybackToken,
    DamagedMedia,
    MediaNotFound,
    NotReady,
    VideoNotFound,
)
from videoshare.domain.playback_tokens import PlaybackTokens
from videoshare.domain.video import Video, VideoStatus
from videoshare.media.playlists import (
    DamagedPlaylist,
    hls_paths,
    is_playlist,
    resolve,
    rewrite_hls,
    rewrite_vtt,
    vtt_images,
)
from videoshare.media.subtitles import SubtitleTrack, subtitle_playlist_uri, with_subtitles
from videoshare.settings import Settings
from videoshare.usecases.ports import MediaStore, MediaUrlSigner, VideoStore
from videoshare.usecases.videos import readable_video

# Playlists and storyboards are small text files; anything larger is not one of ours.
MAX_PLAYLIST_BYTES = 1024**2
MASTER_PLAYLIST = "master.m3u8"


class PlaybackPorts(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def videos(self) -> VideoStore: ...
    @property
    def storage(self) -> MediaStore: ...
    @property
    def media_urls(self) -> MediaUrlSigner: ...


def playback_tokens(settings: Settings) -> PlaybackTokens:
    return PlaybackTokens(settings.playback_key(), settings.playback_token_ttl_s)


async def playable_video(
    ports: PlaybackPorts, video_id: str, token: str | None, user_id: str | None
) -> tuple[Video, str]:
    """The playable video (ready, or processing with its first segments stored), and the token
    to carry into its links (a fresh one without `token`)."""
    video, token = await video_for_playback(ports, video_id, token, user_id)
    if video.status is not VideoStatus.READY and not video.playable:
        raise NotReady(
            f"The video is {video.status}; it can be played once its first segments are stored."
        )
    return video, token


async def video_for_playback(
    ports: PlaybackPorts, video_id: str, token: str | None, user_id: str | None
) -> tuple[Video, str]:
    """The video a playback token (or else the caller) may read, whatever its status but
    deleted, and the token to carry into its links (a fresh one without `token`).

    A token that is malformed or expired is refused the same way for any id. One that does not
    match the video as it is now (another video's, forged, or revoked because the video went
    private or was deleted) is `VideoNotFound` where the video is not one anybody may see, so
    that a token never tells whether a private video exists, and `BadPlaybackToken` otherwise
    (the player should fetch a fresh `hls_url`).
    """
    tokens = playback_tokens(ports.settings)
    if token is not None:
        if not tokens.unexpired(token):
            raise BadPlaybackToken()
        video = await ports.videos.get(video_id)
        if video is None or video.status is VideoStatus.DELETED:
            raise VideoNotFound()
        if not tokens.valid(video, token):
            if not video.visible_to(None):
                raise VideoNotFound()
            raise BadPlaybackToken()
    else:
        video = await readable_video(ports, video_id, user_id)
        token = tokens.issue(video)
    return video, token


async def hls_playlist(
    ports: PlaybackPorts, video_id: str, name: str, token: str | None, user_id: str | None
) -> str:
    """The playlist `{name}.m3u8` of the video's HLS stream, rewritten."""
    video, token = await playable_video(ports, video_id, token, user_id)
    if video.hls_master_key is None:
        raise MediaNotFound("This video has no HLS stream; play a rendition's MP4 instead.")
    path = f"{name}.m3u8"
    prefix = keys.hls_prefix(video.id)
    text = await ports.storage.read_text(prefix + path, MAX_PLAYLIST_BYTES)
    if text is None:
        raise MediaNotFound(f"This video's HLS stream has no playlist {path!r}.")
    if path == MASTER_PLAYLIST:
        text = with_captions(text, video)
    folder = posixpath.dirname(path)
    try:
        media = [p for p in hls_paths(text, folder) if not is_playlist(p)]
        signed = await ports.media_urls.media_urls(
            video.id, [prefix + p for p in media], ports.settings.playback_token_ttl_s
        )
        urls = dict(zip(media, signed, strict=True))

        def url_for(target: str) -> str:
            if is_playlist(target):  # back through this route, relative, with the token
                return f"{posixpath.relpath(target, folder or '.')}?token={quote(token)}"
            return urls[target]

        return rewrite_hls(text, folder, url_for)
    except DamagedPlaylist as exc:
        raise _damaged(video, exc) from None


def with_captions(master: str, video: Video) -> str:
    """The master playlist with the video's captions as `TYPE=SUBTITLES` renditions, each
    linking the subtitle playlist the ingress makes (`usecases/captions.py`); the link is
    relative, so it gets the token below like every other playlist."""
    tracks = [
        SubtitleTrack(c.language, c.label, subtitle_playlist_uri(c.language))
        for c in video.captions
    ]
    return with_subtitles(master, tracks)


async def storyboard(
    ports: PlaybackPorts, video_id: str, token: str | None, user_id: str | None
) -> str:
    """The video's storyboard (WebVTT), its sprite links presigned."""
    video, _ = await playable_video(ports, video_id, token, user_id)
    if video.storyboard_vtt_key is None:
        raise MediaNotFound("This video has no storyboard.")
    text = await ports.storage.read_text(video.storyboard_vtt_key, MAX_PLAYLIST_BYTES)
    if text is None:
        raise MediaNotFound("This video's storyboard is missing.")
    prefix = keys.media_prefix(video.id)
    folder = posixpath.dirname(video.storyboard_vtt_key.removeprefix(prefix))
    try:
        paths = list(dict.fromkeys(vtt_images(text)))
        urls = await ports.media_urls.media_urls(
            video.id,
            [prefix + resolve(folder, path) for path in paths],
            ports.settings.playback_token_ttl_s,
        )
        return rewrite_vtt(text, dict(zip(paths, urls, strict=True)))
    except DamagedPlaylist as exc:
        raise _damaged(video, exc) from None


def _damaged(video: Video, exc: DamagedPlaylist) -> DamagedMedia:
    return DamagedMedia(
        f"The stored playlist of video {video.id} cannot be served ({exc}); it needs to be "
        "processed again."
    )
