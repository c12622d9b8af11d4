"""Rewriting stored playlists for a player. Pure code.

An HLS playlist (and the storyboard's WebVTT) in storage names its neighbours by relative URIs.
A player gets each one replaced by `url_for(path)`, where `path` is the URI resolved against
the playlist's folder (relative to the stream's root): the caller decides what a path becomes
(another playlist: a link back through the ingress with the playback token; a segment, an init
segment, the sprite: a signed URL, presigned S3 or CloudFront, whichever signer is plugged in).

Every URI is rewritten, wherever the playlist carries it: segment lines, `EXT-X-MAP` (the
init segment of fragmented-MP4 segments), `EXT-X-KEY`/`EXT-X-SESSION-KEY`, partial segments,
preload hints and rendition reports, variant streams, I-frame and image playlists, and
`EXT-X-MEDIA` renditions (audio, subtitles). Playlists are read and written with the `m3u8`
package; one that carries a URI this module does not know how to rewrite (content steering,
session data, date-range assets) is refused rather than served with a URI left as it was.
URIs must stay inside the stream's folder: an absolute URL, a `..` way out or an odd character
is refused.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import m3u8

from videoshare.media.hls import PlaylistError, read_playlist

_SAFE_PATH = re.compile(r"^[A-Za-z0-9._\-][A-Za-z0-9._\-/]*$")
_XYWH = re.compile(r"^(?P<path>[^#\s]+)(?P<fragment>#xywh=\d{1,6},\d{1,6},\d{1,6},\d{1,6})?$")

UrlFor = Callable[[str], str]
"""A resolved path (relative to the stream's root) → the URL a player is given for it."""


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


def hls_paths(text: str, folder: str) -> list[str]:
    """Every path the playlist at `folder` names (resolved, in order, each once): what
    `rewrite_hls` will ask `url_for` about."""
    found: dict[str, None] = {}
    for holder in _uri_holders(_load(text)):
        found[resolve(folder, holder.uri)] = None
    return list(found)


def rewrite_hls(text: str, folder: str, url_for: UrlFor) -> str:
    """The playlist at `folder` with every URI it carries replaced by `url_for(path)`."""
    playlist = _load(text)
    urls: dict[str, str] = {}
    for holder in _uri_holders(playlist):
        path = resolve(folder, holder.uri)
        if path not in urls:
            urls[path] = url_for(path)
        holder.uri = urls[path]
    dumped: str = playlist.dumps()
    return dumped


def _load(text: str) -> m3u8.M3U8:
    try:
        playlist = read_playlist(text)
    except PlaylistError as exc:
        raise DamagedPlaylist(str(exc)) from None
    if playlist.content_steering is not None or any(d.uri for d in playlist.session_data):
        raise DamagedPlaylist("a playlist naming a server or session data is not ours")
    ranges = [r for segment in playlist.segments for r in segment.dateranges]
    if any(name for r in ranges for name, _ in r.x_client_attrs):
        raise DamagedPlaylist("a playlist with client date-range attributes is not ours")
    return playlist


def _uri_holders(playlist: m3u8.M3U8) -> Iterator[Any]:
    """Each object of `playlist` that carries a URI, once (a segment's key is one of the
    playlist's keys; each segment has its own copy of its `EXT-X-MAP`)."""
    seen: set[int] = set()
    candidates: list[Any] = [
        *playlist.keys,
        *playlist.session_keys,
        *playlist.media,
        *playlist.playlists,
        *playlist.iframe_playlists,
        *playlist.image_playlists,
        *playlist.rendition_reports,
        playlist.preload_hint,
    ]
    for segment in playlist.segments:
        candidates += [segment.init_section, segment.key, segment, *segment.parts]
    for holder in candidates:
        if holder is None or id(holder) in seen or not getattr(holder, "uri", None):
            continue
        seen.add(id(holder))
        yield holder


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
