"""Downloads (`usecases/downloads.py`): which file, for whom, when; a rendition as one file
made of its stored CMAF parts."""

from __future__ import annotations

import pytest

from tests.usecases.support import FakePorts, created, made_ready
from videoshare.domain import keys
from videoshare.domain.errors import (
    BadPlaybackToken,
    DamagedMedia,
    NotReady,
    OwnerOnly,
    RenditionNotFound,
    SourceNotAvailable,
    VideoNotFound,
)
from videoshare.domain.video import Visibility
from videoshare.usecases.downloads import (
    AssembledFile,
    RenditionDownload,
    SourceDownload,
    download_of,
    rendition_file,
    source_url,
)
from videoshare.usecases.playback import playback_tokens


def _playlist(name: str, segments: int, *, ended: bool = True) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:4"]
    lines += ["#EXT-X-PLAYLIST-TYPE:EVENT", f'#EXT-X-MAP:URI="{name}_init.mp4"']
    for n in range(segments):
        lines += ["#EXTINF:4.000,", f"{name}_{n:03d}.m4s"]
    return "\n".join([*lines, *(["#EXT-X-ENDLIST"] if ended else [])]).encode() + b"\n"


async def _public_ready(ports: FakePorts) -> str:
    video = await made_ready(
        ports, await created(ports, filename="Sea trip.mov"), Visibility.PUBLIC
    )
    hls = keys.hls_prefix(video.id)
    for rendition in video.renditions:
        ports.storage.objects[rendition.key] = _playlist(rendition.name, 3)
        ports.storage.objects[f"{hls}{rendition.name}_init.mp4"] = b"INIT" * 300
        for n in range(3):  # stored in another order than played: the playlist decides
            ports.storage.objects[f"{hls}{rendition.name}_{2 - n:03d}.m4s"] = bytes([2 - n]) * 1500
    ports.storage.objects[video.source_key] = b"original"
    return video.id


async def _read(ports: FakePorts, file: AssembledFile, start: int, stop: int) -> bytes:
    return b"".join(
        [
            chunk
            for piece in file.pieces(start, stop)
            async for chunk in ports.storage.read_range(piece.key, piece.start, piece.stop)
        ]
    )


async def test_the_largest_rendition_by_default_and_any_by_name(ports: FakePorts) -> None:
    video_id = await _public_ready(ports)
    video = await ports.videos.get(video_id)
    assert video is not None
    assert await download_of(ports, video_id, None, None) == RenditionDownload(
        video, "720p", "Sea trip-720p.mp4"
    )
    assert await download_of(ports, video_id, "360p", "bob") == RenditionDownload(
        video, "360p", "Sea trip-360p.mp4"
    )


async def test_a_rendition_is_one_file_its_init_segment_then_its_segments_in_order(
    ports: FakePorts,
) -> None:
    video_id = await _public_ready(ports)
    file = await rendition_file(ports, video_id, "360p", None, None)
    whole = b"INIT" * 300 + b"\x00" * 1500 + b"\x01" * 1500 + b"\x02" * 1500
    assert (file.filename, file.size) == ("Sea trip-360p.mp4", len(whole))
    assert await _read(ports, file, 0, file.size) == whole
    # any byte range, across the parts' edges too (a player seeking, a download resumed)
    for start, stop in [(0, 1), (1199, 1201), (1000, 4000), (2700, 2701), (5000, len(whole))]:
        assert await _read(ports, file, start, stop) == whole[start:stop]


async def test_a_rendition_file_takes_a_playback_token_or_the_callers_rights(
    ports: FakePorts,
) -> None:
    video = await made_ready(ports, await created(ports))  # private
    token = playback_tokens(ports.settings).issue(video)
    with pytest.raises(RenditionNotFound):  # the token lets in; nothing stored for it yet
        await rendition_file(ports, video.id, "9000p", token, None)
    with pytest.raises(BadPlaybackToken):
        await rendition_file(ports, video.id, "360p", token + "x", None)
    with pytest.raises(VideoNotFound):
        await rendition_file(ports, video.id, "360p", None, "bob")


async def test_a_rendition_whose_stored_parts_are_missing_or_unfinished_is_damaged(
    ports: FakePorts,
) -> None:
    video_id = await _public_ready(ports)
    hls = keys.hls_prefix(video_id)
    del ports.storage.objects[f"{hls}360p_001.m4s"]
    with pytest.raises(DamagedMedia, match=r"360p_001\.m4s is missing"):
        await rendition_file(ports, video_id, "360p", None, None)
    ports.storage.objects[f"{hls}720p.m3u8"] = _playlist("720p", 3, ended=False)
    with pytest.raises(DamagedMedia, match="not a finished CMAF one"):
        await rendition_file(ports, video_id, "720p", None, None)


async def test_a_rendition_the_video_does_not_have_is_named_with_those_it_has(
    ports: FakePorts,
) -> None:
    video_id = await _public_ready(ports)
    with pytest.raises(RenditionNotFound) as missing:
        await download_of(ports, video_id, "4k", None)
    assert missing.value.detail == (
        "This video has no rendition '4k' (it has: 360p, 720p, source)."
    )


async def test_the_original_is_the_owners_alone(ports: FakePorts) -> None:
    video_id = await _public_ready(ports)
    source = await download_of(ports, video_id, "source", "alice")
    assert isinstance(source, SourceDownload)
    url = await source_url(ports, video_id, source)
    assert ports.storage.fetch(url) == (b"original", "Sea trip.mov")
    for stranger in ("bob", None):
        with pytest.raises(OwnerOnly):
            await download_of(ports, video_id, "source", stranger)


async def test_before_the_upload_there_is_no_original_and_before_ready_no_rendition(
    ports: FakePorts,
) -> None:
    video = await created(ports)
    with pytest.raises(SourceNotAvailable) as no_source:
        await download_of(ports, video.id, "source", "alice")
    assert no_source.value.detail == (
        "The original is not available while the video is awaiting_upload."
    )
    with pytest.raises(NotReady) as not_ready:
        await download_of(ports, video.id, None, "alice")
    assert not_ready.value.detail == (
        "The video is awaiting_upload; downloads open once it is ready."
    )
    with pytest.raises(VideoNotFound):
        await download_of(ports, video.id, None, "bob")  # private: not even its existence
