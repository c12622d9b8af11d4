"""Subtitles in HLS, added at serving time. Pure code, with the `m3u8` package.

The transcoder's master playlist knows nothing of captions (they come later, one language at a
time, from the owner). The ingress adds them as it serves the master: one `TYPE=SUBTITLES`
rendition per language in one group, which every variant names, each pointing at a subtitle
media playlist that the ingress also makes (one segment: the whole WebVTT file).

    with_subtitles(master_text, [SubtitleTrack("en", "English", "subtitles/en.m3u8")])
    subtitle_playlist(signed_vtt_url, duration_s)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import m3u8

GROUP_ID = "subs"
# Where the ingress serves subtitle playlists, beside the stored ones under `hls/` (the
# transcoder writes nothing there).
SUBTITLES_FOLDER = "subtitles"


@dataclass(frozen=True, slots=True)
class SubtitleTrack:
    language: str
    name: str
    uri: str


def subtitle_playlist_uri(language: str) -> str:
    """The master's relative link to one language's subtitle playlist."""
    return f"{SUBTITLES_FOLDER}/{language}.m3u8"


def with_subtitles(master_text: str, tracks: Sequence[SubtitleTrack]) -> str:
    """The master playlist with `tracks` as `TYPE=SUBTITLES` renditions of one group that every
    variant names (`SUBTITLES="subs"`); the text as it was when there are none, or when it is
    not a master playlist."""
    if not tracks:
        return master_text
    master = m3u8.loads(master_text)
    if not master.is_variant:
        return master_text
    renditions = [
        m3u8.Media(
            uri=track.uri,
            type="SUBTITLES",
            group_id=GROUP_ID,
            language=track.language,
            name=track.name,
            default="NO",
            autoselect="YES",
        )
        for track in tracks
    ]
    for rendition in renditions:
        master.add_media(rendition)
    for variant in master.playlists:
        variant.media.append(renditions[0])  # how m3u8 writes the variant's SUBTITLES="…"
    return str(master.dumps())


def subtitle_playlist(vtt_uri: str, duration_s: float) -> str:
    """A subtitle media playlist of one segment: the whole WebVTT file, as long as the video."""
    duration = max(duration_s, 0.001)
    playlist = m3u8.M3U8()
    playlist.version = "3"
    playlist.target_duration = math.ceil(duration)
    playlist.media_sequence = 0
    playlist.playlist_type = "vod"
    playlist.is_endlist = True
    playlist.add_segment(m3u8.Segment(uri=vtt_uri, duration=duration))
    return str(playlist.dumps())
