"""Downloads (`usecases/downloads.py`): which file, for whom, when."""

from __future__ import annotations

import pytest

from tests.usecases.support import FakePorts, created, made_ready
from videoshare.domain.errors import (
    NotReady,
    OwnerOnly,
    RenditionNotFound,
    SourceNotAvailable,
    VideoNotFound,
)
from videoshare.domain.video import Visibility
from videoshare.usecases.downloads import download_url


async def _public_ready(ports: FakePorts) -> str:
    video = await made_ready(
        ports, await created(ports, filename="Sea trip.mov"), Visibility.PUBLIC
    )
    for rendition in video.renditions:
        ports.storage.objects[rendition.key] = rendition.name.encode()
    ports.storage.objects[video.source_key] = b"original"
    return video.id


async def test_the_largest_rendition_by_default_and_any_by_name(ports: FakePorts) -> None:
    video_id = await _public_ready(ports)
    largest = await download_url(ports, video_id, None, None)
    assert ports.storage.fetch(largest) == (b"720p", "Sea trip-720p.mp4")
    small = await download_url(ports, video_id, "360p", "bob")
    assert ports.storage.fetch(small) == (b"360p", "Sea trip-360p.mp4")


async def test_a_rendition_the_video_does_not_have_is_named_with_those_it_has(
    ports: FakePorts,
) -> None:
    video_id = await _public_ready(ports)
    with pytest.raises(RenditionNotFound) as missing:
        await download_url(ports, video_id, "4k", None)
    assert missing.value.detail == (
        "This video has no rendition '4k' (it has: 360p, 720p, source)."
    )


async def test_the_original_is_the_owners_alone(ports: FakePorts) -> None:
    video_id = await _public_ready(ports)
    url = await download_url(ports, video_id, "source", "alice")
    assert ports.storage.fetch(url) == (b"original", "Sea trip.mov")
    for stranger in ("bob", None):
        with pytest.raises(OwnerOnly):
            await download_url(ports, video_id, "source", stranger)


async def test_before_the_upload_there_is_no_original_and_before_ready_no_rendition(
    ports: FakePorts,
) -> None:
    video = await created(ports)
    with pytest.raises(SourceNotAvailable) as no_source:
        await download_url(ports, video.id, "source", "alice")
    assert no_source.value.detail == (
        "The original is not available while the video is awaiting_upload."
    )
    with pytest.raises(NotReady) as not_ready:
        await download_url(ports, video.id, None, "alice")
    assert not_ready.value.detail == (
        "The video is awaiting_upload; downloads open once it is ready."
    )
    with pytest.raises(VideoNotFound):
        await download_url(ports, video.id, None, "bob")  # private: not even its existence
