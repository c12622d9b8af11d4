"""What a complete output set of one video must be, checked file by file with real decoders.

`check_output_set` takes the files by their path relative to the video's media folder
(`hls/360p_init.mp4`, `hls/master.m3u8`, …) as bytes, so the same checks run on a transcode's local
output folder and on what the pipeline wrote to S3. `check_plays` fetches a video as a player
does, from its `hls_url` alone, and decodes what it got.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import av
import m3u8
import pytest
from yarl import URL

from videoshare.media.hls import parse_master_playlist, parse_media_playlist

SEGMENT_S = 4.0
_CUE = re.compile(
    r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)\n"
    r"storyboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)$"
)


@dataclass(frozen=True)
class Expected:
    ladder: list[tuple[str, int, int]]  # (name, width, height), largest first
    duration_s: float
    has_audio: bool


def read_folder(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def check_output_set(files: dict[str, bytes], expected: Expected) -> None:
    """Every rendition (CMAF: once, for HLS and as a file), poster and storyboard as
    `expected`, and nothing else."""
    names = [name for name, _, _ in expected.ladder]
    segments = {name: _check_variant(files, name, expected) for name in names}
    assert set(files) == {
        "poster.jpg",
        "storyboard.jpg",
        "storyboard.vtt",
        "hls/master.m3u8",
        *(f"hls/{name}.m3u8" for name in names),
        *(f"hls/{uri}" for uris in segments.values() for uri in uris),
    }
    for name, width, height in expected.ladder:
        _check_mp4(rendition_file(files, name), width, height, expected)
    _check_master(files, expected)
    top_width, top_height = expected.ladder[0][1:]
    assert _picture_size(files["poster.jpg"]) == (top_width, top_height)
    _check_storyboard(files, expected.duration_s)


def rendition_file(files: dict[str, bytes], name: str) -> bytes:
    """A rendition as one file: its init segment, then its segments in playlist order."""
    playlist = parse_media_playlist(files[f"hls/{name}.m3u8"].decode())
    assert playlist.init_uri == f"{name}_init.mp4"
    uris = [playlist.init_uri, *(s.uri for s in playlist.segments)]
    return b"".join(files[f"hls/{uri}"] for uri in uris)


def _check_mp4(data: bytes, width: int, height: int, expected: Expected) -> None:
    with av.open(io.BytesIO(data), mode="r", format="mp4") as container:
        (video,) = container.streams.video
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == (width, height)
        frame = next(container.decode(video=0))
        assert frame.rotation == 0  # upright pixels, no display matrix left to apply
        assert frame.format.name == "yuv420p"
        audio = [(a.codec_context.name, a.codec_context.channels) for a in container.streams.audio]
        assert audio == ([("aac", 2)] if expected.has_audio else [])
        assert container.duration is not None
        assert container.duration / av.time_base == pytest.approx(expected.duration_s, abs=0.15)
    moov, moof = data.find(b"moov"), data.find(b"moof")
    assert 0 < moov < moof  # fragmented: the index first, so playback starts before the end


def _check_master(files: dict[str, bytes], expected: Expected) -> None:
    variants = parse_master_playlist(files["hls/master.m3u8"].decode())
    assert [uri for _, uri in variants] == [f"{name}.m3u8" for name, _, _ in expected.ladder]
    for (attributes, _), (name, width, height) in zip(variants, expected.ladder, strict=True):
        assert attributes["RESOLUTION"] == f"{width}x{height}"
        codecs = attributes["CODECS"].split(",")
        assert codecs[0].startswith("avc1.64")  # H.264 High profile
        assert codecs[1:] == (["mp4a.40.2"] if expected.has_audio else [])
        peak, average = int(attributes["BANDWIDTH"]), int(attributes["AVERAGE-BANDWIDTH"])
        assert peak >= average > 0
        # every byte of the variant's segments (its audio included) is in the average
        media = parse_media_playlist(files[f"hls/{name}.m3u8"].decode())
        size = sum(len(files[f"hls/{s.uri}"]) for s in media.segments)
        seconds = sum(s.duration_s for s in media.segments)
        assert average == pytest.approx(8 * size / seconds, rel=0.001)


def _check_variant(files: dict[str, bytes], name: str, expected: Expected) -> list[str]:
    """A finished media playlist whose segments exist, last ~4 s (keyframe-aligned: the same
    cuts in every rung) and start with a decodable keyframe of the rung's size."""
    playlist = parse_media_playlist(files[f"hls/{name}.m3u8"].decode())
    assert playlist.ended
    durations = [s.duration_s for s in playlist.segments]
    assert round(max(durations)) <= playlist.target_duration_s <= SEGMENT_S
    assert durations[:-1] == pytest.approx([SEGMENT_S] * (len(durations) - 1), abs=0.05)
    assert 0 < durations[-1] <= SEGMENT_S + 0.05
    assert sum(durations) == pytest.approx(expected.duration_s, abs=0.15)
    (_, width, height) = next(rung for rung in expected.ladder if rung[0] == name)
    assert playlist.init_uri is not None
    init = files[f"hls/{playlist.init_uri}"]
    for segment in playlist.segments:
        data = files[f"hls/{segment.uri}"]
        assert data[4:8] in (b"styp", b"moof")  # a CMAF fragment
        # each segment plays from its init segment alone: it starts with a keyframe
        with av.open(io.BytesIO(init + data), mode="r", format="mp4") as fragment:
            frame = next(fragment.decode(video=0))
            assert frame.key_frame
            assert (frame.width, frame.height) == (width, height)
            assert len(fragment.streams.audio) == (1 if expected.has_audio else 0)
    return [playlist.init_uri, *(s.uri for s in playlist.segments)]


def _check_storyboard(files: dict[str, bytes], duration_s: float) -> None:
    text = files["storyboard.vtt"].decode()
    header, *blocks = text.strip().split("\n\n")
    assert header == "WEBVTT"
    assert blocks
    sprite_width, sprite_height = _picture_size(files["storyboard.jpg"])
    previous_end = 0.0
    for block in blocks:
        match = _CUE.match(block)
        assert match, block
        numbers = [int(n) for n in match.groups()]
        start = numbers[0] * 3600 + numbers[1] * 60 + numbers[2] + numbers[3] / 1000
        end = numbers[4] * 3600 + numbers[5] * 60 + numbers[6] + numbers[7] / 1000
        x, y, w, h = numbers[8:]
        assert start == pytest.approx(previous_end)  # contiguous from 0
        assert end > start
        assert x + w <= sprite_width  # (the regex admits no negative numbers)
        assert y + h <= sprite_height
        previous_end = end
    assert previous_end == pytest.approx(duration_s, abs=0.15)


def _picture_size(jpeg: bytes) -> tuple[int, int]:
    assert jpeg[:3] == b"\xff\xd8\xff"
    with av.open(io.BytesIO(jpeg), mode="r", format="image2pipe") as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


async def check_plays(http: aiohttp.ClientSession, hls_url: str) -> None:
    """What a player gets from `hls_url` alone (no credentials) is real media: the master
    playlist, its first variant's playlist, that variant's init segment and first segment,
    which decode to a keyframe at the resolution the master gives it."""

    async def fetch(url: str | URL) -> bytes:
        async with http.get(url) as answer:
            assert answer.status == 200, (answer.status, str(url))
            return await answer.read()

    master = m3u8.loads((await fetch(hls_url)).decode())
    variant = master.playlists[0]
    assert variant.uri is not None
    assert variant.stream_info.resolution is not None
    width, height = variant.stream_info.resolution
    media = m3u8.loads((await fetch(URL(hls_url).join(URL(variant.uri)))).decode())
    first = media.segments[0]
    assert first.init_section is not None
    assert first.init_section.uri is not None
    assert first.uri is not None
    init = await fetch(URL(first.init_section.uri, encoded=True))  # signed: sent as it is
    segment = await fetch(URL(first.uri, encoded=True))
    with av.open(io.BytesIO(init + segment), mode="r", format="mp4") as played:
        frame = next(played.decode(video=0))
        assert frame.key_frame
        assert (frame.width, frame.height) == (width, height)
