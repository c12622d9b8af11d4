"""Where things live in the media bucket. Pure functions; the one place that knows the layout.

uploads/{video_id}/source         the uploaded original (server-chosen name, fixed suffix)
media/{video_id}/poster.jpg       poster
media/{video_id}/storyboard.jpg   storyboard sprite sheet (thumbnails in a grid)
media/{video_id}/storyboard.vtt   WebVTT cues pointing into the sprite (`…jpg#xywh=x,y,w,h`)
media/{video_id}/poster-{n}.jpg   a poster the owner chose (a new name each time: no cache or
                                  CDN keeps serving the one before)
media/{video_id}/captions/{language}.vtt   captions, one WebVTT file per BCP 47 language
media/{video_id}/hls/master.m3u8  HLS master playlist; every other HLS file (one playlist per
media/{video_id}/hls/master.m3u8  HLS master playlist; every other HLS file sits beside it
                                  under hls/, and relative URIs in a playlist resolve against
                                  that folder:
media/{video_id}/hls/{rendition}.m3u8      a rendition: its media playlist (the key a
                                           rendition is recorded by), naming its
media/{video_id}/hls/{rendition}_init.mp4  init segment and its fragmented-MP4 segments
media/{video_id}/hls/{rendition}_{nnn}.m4s (CMAF): the only copy, played and downloaded
"""

from __future__ import annotations

import re

UPLOAD_PREFIX = "uploads/"
MEDIA_PREFIX = "media/"

_VIDEO_ID = r"[0-9a-f]{32}"
_SOURCE_RE = re.compile(rf"^uploads/(?P<video_id>{_VIDEO_ID})/source$")


def source_key(video_id: str) -> str:
    return f"{upload_prefix(video_id)}source"


def upload_prefix(video_id: str) -> str:
    return f"{UPLOAD_PREFIX}{video_id}/"


def video_prefix_of(video_id: str, key: str) -> str:
    """The folder of `video_id`'s (`media/{id}/` or `uploads/{id}/`) that holds `key`; a
    `ValueError` for any other key, or one that climbs out (`..`, empty segments)."""
    for prefix in (media_prefix(video_id), upload_prefix(video_id)):
        rest = key.removeprefix(prefix)
        if rest != key and rest and all(p not in ("", ".", "..") for p in rest.split("/")):
            return prefix
    raise ValueError(f"{key!r} is not an object of video {video_id}")


def video_id_from_source_key(key: str) -> str | None:
    """The video id of an upload key, or None when the key is not one of ours."""
    match = _SOURCE_RE.match(key)
    return match["video_id"] if match else None


def media_prefix(video_id: str) -> str:
    return f"{MEDIA_PREFIX}{video_id}/"


def rendition_key(video_id: str, rendition: str) -> str:
    """A rendition's HLS media playlist: its init segment and segments are the files it names."""
    return f"{hls_prefix(video_id)}{rendition}.m3u8"


def poster_key(video_id: str) -> str:
    return f"{media_prefix(video_id)}poster.jpg"


# What the owner sends through the ingress, beside the transcoder's outputs (so the ingress's
# role may write these and nothing else of a video's media: infra/processes.py).
CHOSEN_POSTER_STEM = "poster-"
CAPTIONS_FOLDER = "captions/"


def chosen_poster_key(video_id: str, name: str) -> str:
    return f"{media_prefix(video_id)}{CHOSEN_POSTER_STEM}{name}.jpg"


def is_chosen_poster(video_id: str, key: str) -> bool:
    return key.startswith(f"{media_prefix(video_id)}{CHOSEN_POSTER_STEM}")


def caption_key(video_id: str, language: str) -> str:
    return f"{media_prefix(video_id)}{CAPTIONS_FOLDER}{language}.vtt"


def storyboard_image_key(video_id: str) -> str:
    return f"{media_prefix(video_id)}storyboard.jpg"


def storyboard_vtt_key(video_id: str) -> str:
    return f"{media_prefix(video_id)}storyboard.vtt"


def hls_prefix(video_id: str) -> str:
    return f"{media_prefix(video_id)}hls/"


def hls_master_key(video_id: str) -> str:
    return f"{hls_prefix(video_id)}master.m3u8"
