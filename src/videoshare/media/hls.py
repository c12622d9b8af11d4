"""HLS playlists: read the media playlists ffmpeg writes, write the master playlist. Pure.

ffmpeg's `hls` muxer writes one media playlist per rendition (`{rung}.m3u8`, MPEG-TS segments
`{rung}_{nnn}.ts` beside it). The master playlist is ours, because ffmpeg's own leaves audio out
of `BANDWIDTH` when audio is shared; here every variant carries its own audio, and `BANDWIDTH` is
measured from the segments as RFC 8216 §4.3.4.2 defines it: the peak bit rate of any run of
consecutive segments lasting 0.5 to 1.5 target durations. Every URI is relative to the folder the
playlists sit in, never absolute, so the folder can be served from anywhere (or rewritten to
presigned URLs one line at a time).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

MASTER_NAME: Final = "master.m3u8"
AAC_LC: Final = "mp4a.40.2"
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


class PlaylistError(ValueError):
    """A playlist is not what this module writes or expects."""


@dataclass(frozen=True, slots=True)
class Segment:
    duration_s: float
    uri: str


@dataclass(frozen=True, slots=True)
class MediaPlaylist:
    target_duration_s: int
    segments: list[Segment]
    ended: bool  # has #EXT-X-ENDLIST: a complete video-on-demand playlist


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
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise PlaylistError("a playlist starts with #EXTM3U")
    target: int | None = None
    segments: list[Segment] = []
    pending: float | None = None
    for line in lines[1:]:
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target = int(line.partition(":")[2])
        elif line.startswith("#EXTINF:"):
            pending = float(line.partition(":")[2].partition(",")[0])
        elif not line.startswith("#"):
            if pending is None:
                raise PlaylistError(f"segment {line!r} has no #EXTINF before it")
            segments.append(Segment(pending, _relative(line)))
            pending = None
    if target is None:
        raise PlaylistError("a media playlist has an #EXT-X-TARGETDURATION")
    return MediaPlaylist(target, segments, ended="#EXT-X-ENDLIST" in lines)


def parse_master_playlist(text: str) -> list[tuple[dict[str, str], str]]:
    """Each variant's `#EXT-X-STREAM-INF` attributes (quotes removed) and its URI."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise PlaylistError("a playlist starts with #EXTM3U")
    variants = []
    attributes: dict[str, str] | None = None
    for line in lines[1:]:
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = {k: v.strip('"') for k, v in _ATTRIBUTE.findall(line.partition(":")[2])}
        elif not line.startswith("#"):
            if attributes is None:
                raise PlaylistError(f"variant {line!r} has no #EXT-X-STREAM-INF before it")
            variants.append((attributes, _relative(line)))
            attributes = None
    return variants


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


def master_playlist(variants: Sequence[Variant]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        attributes = [
            f"BANDWIDTH={variant.bandwidth}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
            f"RESOLUTION={variant.width}x{variant.height}",
            f'CODECS="{variant.codecs}"',
        ]
        if variant.frame_rate:
            attributes.append(f"FRAME-RATE={variant.frame_rate:.3f}")
        lines += [f"#EXT-X-STREAM-INF:{','.join(attributes)}", _relative(variant.uri)]
    return "\n".join(lines) + "\n"


def _relative(uri: str) -> str:
    """`uri` when it names a file in the playlist's own folder; anything else is refused."""
    if not uri or "/" in uri or "\\" in uri or ":" in uri or uri.startswith("."):
        raise PlaylistError(f"{uri!r} is not a file name relative to the playlist")
    return uri


_SEGMENT_NAME = re.compile(r"^(?P<rung>[0-9a-z]+)_(?P<number>[0-9]{3,})\.ts$")


def finished_segments(names: Iterable[str]) -> list[str]:
    """The segments ffmpeg has finished writing, from the names in its `hls/` folder while it
    runs: the muxer closes `{rung}_{n}.ts` before it opens `{rung}_{n+1}.ts`, so every segment
    of a rendition but the highest-numbered is final. Other names are ignored."""
    by_rung: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        if match := _SEGMENT_NAME.match(name):
            by_rung.setdefault(match["rung"], []).append((int(match["number"]), name))
    finished: list[str] = []
    for segments in by_rung.values():
        finished += [name for _, name in sorted(segments)[:-1]]
    return sorted(finished)
