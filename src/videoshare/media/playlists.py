"""Rewriting stored playlists for a player. Pure code.

An HLS playlist (and the storyboard's WebVTT) in S3 names its neighbours by relative URIs. A
player gets them rewritten: playlists (`*.m3u8`) stay relative, with the playback token added,
so they come back through the ingress; everything else (segments, init sections, the sprite)
becomes a presigned S3 URL. URIs are resolved against the playlist's own folder and must stay
inside the video's folder: an absolute URL, a `..` way out or an odd character is refused.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

_SAFE_PATH = re.compile(r"^[A-Za-z0-9._\-][A-Za-z0-9._\-/]*$")
_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')
_XYWH = re.compile(r"^(?P<path>[^#\s]+)(?P<fragment>#xywh=\d{1,6},\d{1,6},\d{1,6},\d{1,6})?$")


class DamagedPlaylist(ValueError):
    """A stored playlist names something it must not (the media writer's fault, not the
    client's)."""


def resolve(folder: str, uri: str) -> str:
    """`uri` relative to `folder` (both under the video's folder), normalised; refused when it
    is absolute, has a scheme or leaves `folder`'s root."""
    if not _SAFE_PATH.match(uri) or "//" in uri:
        raise DamagedPlaylist(f"unsafe URI {uri!r}")
    joined = posixpath.normpath(posixpath.join(folder, uri)) if folder else posixpath.normpath(uri)
    if joined.startswith(("../", "/")) or joined in ("..", ".") or joined.endswith("/.."):
        raise DamagedPlaylist(f"URI {uri!r} leaves the video's folder")
    return joined


def is_playlist(path: str) -> bool:
    return path.endswith(".m3u8")


def hls_uris(text: str) -> list[str]:
    """Every URI a playlist names: its URI lines and `URI="…"` attributes, in order."""
    found: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            found += _URI_ATTRIBUTE.findall(line)
        else:
            found.append(line)
    return found


def rewrite_hls(text: str, replacements: Mapping[str, str]) -> str:
    """`text` with each URI replaced by `replacements[uri]` (every URI must have one)."""
    if not text.lstrip().startswith("#EXTM3U"):
        raise DamagedPlaylist("not an HLS playlist")
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            lines.append("")
        elif line.startswith("#"):
            lines.append(_URI_ATTRIBUTE.sub(lambda m: f'URI="{replacements[m[1]]}"', line))
        else:
            lines.append(replacements[line])
    return "\n".join(lines) + "\n"


def vtt_images(text: str) -> list[str]:
    """The image paths the cues of a storyboard WebVTT point to (`sprite.jpg#xywh=…`)."""
    return [match["path"] for match in _cue_payloads(text)]


def rewrite_vtt(text: str, replacements: Mapping[str, str]) -> str:
    """The storyboard WebVTT with each image path replaced, `#xywh=…` kept."""
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise DamagedPlaylist("not a WebVTT file")
    out = []
    previous = ""
    for raw in text.splitlines():
        line = raw.strip()
        match = _XYWH.match(line) if "-->" in previous else None
        if match:
            line = replacements[match["path"]] + (match["fragment"] or "")
        out.append(line)
        previous = line if line else ""
    return "\n".join(out) + "\n"


def _cue_payloads(text: str) -> list[re.Match[str]]:
    found = []
    previous = ""
    for raw in text.splitlines():
        line = raw.strip()
        if "-->" in previous:
            match = _XYWH.match(line)
            if match:
                found.append(match)
        previous = line
    return found
