"""HLS playlists: read the media playlists ffmpeg writes, write the ones we store. Pure.

ffmpeg's `hls` muxer writes one media playlist per rendition (`{rung}.m3u8`, an init segment
`{rung}_init.mp4` and fragmented-MP4 segments `{rung}_{nnn}.m4s` beside it) as an EVENT
playlist that grows while it runs. What goes to storage while it still runs is ours
(`event_playlist`): ffmpeg's playlist cut to the segments already stored, so a player never
meets a segment that is not there yet; at the end ffmpeg's own, with `#EXT-X-ENDLIST`. The
master playlist is ours too, because ffmpeg's own leaves audio out of `BANDWIDTH` when audio is
shared; here every variant carries its own audio, and `BANDWIDTH` is measured from the segments
as RFC 8216 §4.3.4.2 defines it: the peak bit rate of any run of consecutive segments lasting
0.5 to 1.5 target durations (before the end, the rung's cap stands in: `nominal_bandwidth`).
Every URI is relative to the folder the playlists sit in, never absolute, so the folder can be
served from anywhere (or rewritten to signed URLs: `media/playlists.py`). Playlists are read and
written with the `m3u8` package.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import m3u8

MASTER_NAME: Final = "master.m3u8"
AAC_LC: Final = "mp4a.40.2"


class PlaylistError(ValueError):
    """A playlist is not what this module writes or expects."""


@dataclass(frozen=True, slots=True)
class Segment:
    duration_s: float
    uri: str


@dataclass(frozen=True, slots=True)
class MediaPlaylist:
    target_duration_s: int
    init_uri: str | None  # the `EXT-X-MAP` init segment (fragmented MP4), when there is one
    segments: list[Segment]
    ended: bool  # has #EXT-X-ENDLIST: the rendition is complete


@dataclass(frozen=True, slots=True)
class Variant:
    uri: str  # the media playlist, relative to the master
    bandwidth: int  # peak, bits per second, audio included
    average_bandwidth: int
    width: int
    height: int
    codecs: str
    frame_rate: float | None = None


def parse_media_playlist(text: str) -> MediaPlaylist:
    playlist = read_playlist(text)
    if playlist.is_variant:
        raise PlaylistError("a media playlist, not a master playlist, was expected")
    if playlist.target_duration is None:
        raise PlaylistError("a media playlist has an #EXT-X-TARGETDURATION")
    init_uris = {_relative(s.init_section.uri) for s in playlist.segments if s.init_section}
    if len(init_uris) > 1:
        raise PlaylistError("a rendition has one init segment")
    segments = []
    for segment in playlist.segments:
        if segment.duration is None:
            raise PlaylistError(f"segment {segment.uri!r} has no #EXTINF before it")
        segments.append(Segment(float(segment.duration), _relative(segment.uri)))
    return MediaPlaylist(
        target_duration_s=int(playlist.target_duration),
        init_uri=next(iter(init_uris), None),
        segments=segments,
        ended=bool(playlist.is_endlist),
    )


def parse_master_playlist(text: str) -> list[tuple[dict[str, str], str]]:
    """Each variant's `#EXT-X-STREAM-INF` attributes, as written, and its URI."""
    playlist = read_playlist(text)
    variants = []
    for variant in playlist.playlists:
        info = variant.stream_info
        attributes = {"BANDWIDTH": str(info.bandwidth)}
        if info.average_bandwidth is not None:
            attributes["AVERAGE-BANDWIDTH"] = str(info.average_bandwidth)
        if info.resolution is not None:
            attributes["RESOLUTION"] = f"{info.resolution[0]}x{info.resolution[1]}"
        if info.codecs is not None:
            attributes["CODECS"] = info.codecs
        if info.frame_rate is not None:
            attributes["FRAME-RATE"] = f"{info.frame_rate:.3f}"
        variants.append((attributes, _relative(variant.uri)))
    return variants


def event_playlist(text: str, stored: Collection[str]) -> str | None:
    """ffmpeg's media playlist as it may be stored while ffmpeg still runs: an EVENT playlist
    of the segments (in order) that are in `stored`, up to the first one that is not, without
    `#EXT-X-ENDLIST`; None while its init segment or its first segment is not stored yet."""
    playlist = read_playlist(text)
    parsed = parse_media_playlist(text)
    if parsed.init_uri is None or parsed.init_uri not in stored:
        return None
    kept = 0
    for segment in parsed.segments:
        if segment.uri not in stored:
            break
        kept += 1
    if kept == 0:
        return None
    del playlist.segments[kept:]
    playlist.playlist_type = "event"
    playlist.is_endlist = False
    dumped: str = playlist.dumps()
    return dumped


def peak_bandwidth(segments: Sequence[tuple[float, int]], target_duration_s: float) -> int:
    """Peak bits per second over runs of consecutive (duration, bytes) segments lasting 0.5 to
    1.5 target durations; the whole stream's average when no run is that long."""
    peak = 0.0
    for start in range(len(segments)):
        seconds, size = 0.0, 0
        for duration_s, size_bytes in segments[start:]:
            if seconds + duration_s > 1.5 * target_duration_s:
                break
            seconds, size = seconds + duration_s, size + size_bytes
            if seconds >= 0.5 * target_duration_s:
                peak = max(peak, 8 * size / seconds)
    return round(peak) or average_bandwidth(segments)


def average_bandwidth(segments: Sequence[tuple[float, int]]) -> int:
    seconds = sum(duration_s for duration_s, _ in segments)
    size = sum(size_bytes for _, size_bytes in segments)
    return round(8 * size / seconds) if seconds > 0 else 0


def avc1_codec(avcc: bytes) -> str:
    """The RFC 6381 name (`avc1.PPCCLL`) of an H.264 stream from its `avcC` record (the MP4's
    codec extradata): profile, constraint flags and level are its bytes 1 to 3."""
    if len(avcc) < 4 or avcc[0] != 1:
        raise PlaylistError("not an avcC decoder configuration record")
    return f"avc1.{avcc[1]:02x}{avcc[2]:02x}{avcc[3]:02x}"


def nominal_bandwidth(video_maxrate: int, audio_bitrate: int) -> int:
    """A variant's `BANDWIDTH` before its segments can be measured: the encoder's cap."""
    return video_maxrate + audio_bitrate


def master_playlist(variants: Sequence[Variant]) -> str:
    master = m3u8.M3U8()
    master.version = "7"  # init segments (EXT-X-MAP) in media playlists
    master.is_independent_segments = True
    for variant in variants:
        info: dict[str, object] = {
            "bandwidth": variant.bandwidth,
            "average_bandwidth": variant.average_bandwidth,
            "resolution": f"{variant.width}x{variant.height}",
            "codecs": variant.codecs,
        }
        if variant.frame_rate:
            info["frame_rate"] = variant.frame_rate
        master.add_playlist(
            m3u8.Playlist(
                _relative(variant.uri), stream_info=info, media=m3u8.MediaList(), base_uri=""
            )
        )
    dumped: str = master.dumps()
    return dumped


def read_playlist(text: str) -> m3u8.M3U8:
    """`text` parsed by `m3u8`; `PlaylistError` when it is not a playlist it can read."""
    if not text.lstrip().startswith("#EXTM3U"):
        raise PlaylistError("a playlist starts with #EXTM3U")
    try:
        return m3u8.loads(text)
    except (ValueError, TypeError, AttributeError) as error:  # what m3u8 raises on bad lines
        raise PlaylistError(f"not a playlist m3u8 can read: {error}") from error


def _relative(uri: str | None) -> str:
    """`uri` when it names a file in the playlist's own folder; anything else is refused."""
    if not uri or "/" in uri or "\\" in uri or ":" in uri or uri.startswith("."):
        raise PlaylistError(f"{uri!r} is not a file name relative to the playlist")
    return uri


_SEGMENT_NAME = re.compile(r"^(?P<rung>[0-9a-z]+)_(?P<number>[0-9]{3,})\.m4s$")


def finished_segments(names: Iterable[str]) -> list[str]:
    """The segments ffmpeg has finished writing, from the names in its `hls/` folder while it
    runs: the muxer closes `{rung}_{n}.m4s` before it opens `{rung}_{n+1}.m4s`, so every segment
    of a rendition but the highest-numbered is final. Other names are ignored."""
    by_rung: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        if match := _SEGMENT_NAME.match(name):
            by_rung.setdefault(match["rung"], []).append((int(match["number"]), name))
    finished: list[str] = []
    for segments in by_rung.values():
        finished += [name for _, name in sorted(segments)[:-1]]
    return sorted(finished)
