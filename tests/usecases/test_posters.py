"""Choosing the poster (`usecases/posters.py`): a moment from the storyboard, or an image of the
owner's, validated and re-encoded; hostile images are refused before or while decoding."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.media import image_bytes, png_bomb
from tests.usecases.support import FakePorts, created, fixed_settings, made_ready
from videoshare.domain import keys
from videoshare.domain.errors import (
    BadImage,
    FileTooLarge,
    NotAnImage,
    NotReady,
    OwnerOnly,
    RefusedInput,
    VideoNotFound,
)
from videoshare.domain.video import Video, Visibility
from videoshare.media.storyboard import plan_storyboard, storyboard_vtt
from videoshare.usecases.posters import poster_at, upload_poster


async def _ready(ports: FakePorts, visibility: Visibility = Visibility.PRIVATE) -> Video:
    """A ready video of 5.3 s whose storyboard's thumbnails each have their own grey."""
    video = await made_ready(ports, await created(ports), visibility)
    plan = plan_storyboard(640, 360, video.duration_s or 0, 25)
    sprite = Image.new("RGB", (plan.sprite_width, plan.sprite_height))
    for index, tile in enumerate(plan.tiles()):
        box = (tile.x, tile.y, tile.x + plan.thumb_width, tile.y + plan.thumb_height)
        sprite.paste((40 * index,) * 3, box)
    out = io.BytesIO()
    sprite.save(out, "JPEG", quality=95)
    assert video.storyboard_image_key
    assert video.storyboard_vtt_key
    ports.storage.objects[video.storyboard_image_key] = out.getvalue()
    ports.storage.objects[video.storyboard_vtt_key] = storyboard_vtt(plan).encode()
    return video


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def test_a_moment_takes_the_storyboard_thumbnail_shown_then(ports: FakePorts) -> None:
    video = await _ready(ports)
    saved = await poster_at(ports, video.id, "alice", 3.5, "r1")
    assert saved.poster_key
    assert keys.is_chosen_poster(video.id, saved.poster_key)
    poster = _image(ports.storage.objects[saved.poster_key])
    assert poster.format == "JPEG"
    assert poster.size == (160, 90)
    assert abs(poster.getpixel((80, 45))[0] - 120) <= 4  # type: ignore[index]  # thumbnail 3
    assert ports.publisher.published[-1].data.changed == ["poster"]  # type: ignore[union-attr]


async def test_a_new_poster_replaces_the_chosen_one_and_keeps_the_transcoders(
    ports: FakePorts,
) -> None:
    video = await _ready(ports)
    original = video.poster_key
    first = await poster_at(ports, video.id, "alice", 0, "r1")
    second = await upload_poster(ports, video.id, "alice", image_bytes(), "r2")
    assert first.poster_key != second.poster_key
    assert first.poster_key not in ports.storage.objects
    assert second.poster_key in ports.storage.objects
    assert original
    assert not keys.is_chosen_poster(video.id, original)


@pytest.mark.parametrize("time_s", [-1.0, 5.31, 1e9])
async def test_a_moment_outside_the_video_is_refused(ports: FakePorts, time_s: float) -> None:
    video = await _ready(ports)
    with pytest.raises(RefusedInput, match="not a moment of this video"):
        await poster_at(ports, video.id, "alice", time_s, "r1")


@pytest.mark.parametrize(
    ("fmt", "size", "stored_size"),
    [
        ("PNG", (2000, 1000), (1920, 960)),
        ("JPEG", (320, 180), (320, 180)),
        ("WEBP", (90, 160), (90, 160)),
    ],
)
async def test_an_uploaded_image_is_re_encoded_as_a_jpeg_at_most_1920_wide(
    ports: FakePorts, fmt: str, size: tuple[int, int], stored_size: tuple[int, int]
) -> None:
    video = await _ready(ports)
    sent = image_bytes(*size, fmt) + b"trailing bytes a browser would still show"
    saved = await upload_poster(ports, video.id, "alice", sent, "r1")
    assert saved.poster_key
    stored = ports.storage.objects[saved.poster_key]
    assert stored != sent
    poster = _image(stored)
    assert (poster.format, poster.mode, poster.size) == ("JPEG", "RGB", stored_size)
    assert ports.storage.content_types[saved.poster_key] == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "error", "reason"),
    [
        (png_bomb(50_000, 50_000), BadImage, "too many pixels"),
        (png_bomb(8000, 8000), BadImage, "8000x8000 pixels"),  # under Pillow's own guard
        (png_bomb(3000, 2000), BadImage, "damaged or cut short"),  # declared, not there
        (image_bytes()[:600], BadImage, "damaged or cut short"),  # truncated
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", NotAnImage, "not a JPEG"),
        (b"GIF89a" + b"\x00" * 64, NotAnImage, "not a JPEG"),
        (b"", NotAnImage, "not a JPEG"),
    ],
)
async def test_a_hostile_or_broken_image_is_refused_and_nothing_is_stored(
    ports: FakePorts, data: bytes, error: type[Exception], reason: str
) -> None:
    ports.settings = fixed_settings(max_poster_pixels=40_000_000)
    video = await _ready(ports)
    before = set(ports.storage.objects)
    with pytest.raises(error, match=reason):
        await upload_poster(ports, video.id, "alice", data, "r1")
    assert set(ports.storage.objects) == before
    assert (await ports.videos.get(video.id)).poster_key == video.poster_key  # type: ignore[union-attr]


async def test_an_image_over_the_size_cap_is_refused_before_it_is_decoded(
    ports: FakePorts,
) -> None:
    ports.settings = fixed_settings(max_poster_bytes=1000)
    video = await _ready(ports)
    with pytest.raises(FileTooLarge, match="at most 1,000 bytes"):
        await upload_poster(ports, video.id, "alice", png_bomb() + b"\x00" * 1000, "r1")


async def test_only_the_owner_of_a_ready_video_chooses_its_poster(ports: FakePorts) -> None:
    private = await _ready(ports)
    public = await _ready(ports, Visibility.PUBLIC)
    with pytest.raises(VideoNotFound):
        await upload_poster(ports, private.id, "mallory", image_bytes(), "r1")
    with pytest.raises(OwnerOnly):
        await poster_at(ports, public.id, "mallory", 1.0, "r1")
    with pytest.raises(NotReady):
        await poster_at(ports, (await created(ports)).id, "alice", 1.0, "r1")
