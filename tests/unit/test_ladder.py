"""The rendition ladder: which rungs a source gets, their sizes and bitrates."""

from __future__ import annotations

import pytest

from videoshare.media.ladder import Rung, transcode_ladder


def names(width: int, height: int) -> list[str]:
    return [rung.name for rung in transcode_ladder(width, height)]


@pytest.mark.parametrize(
    ("height", "expected"),
    [
        (2160, ["1080p", "720p", "480p", "360p", "240p"]),
        (1080, ["1080p", "720p", "480p", "360p", "240p"]),
        (1079, ["720p", "480p", "360p", "240p"]),
        (720, ["720p", "480p", "360p", "240p"]),
        (719, ["480p", "360p", "240p"]),
        (480, ["480p", "360p", "240p"]),
        (479, ["360p", "240p"]),
        (360, ["360p", "240p"]),
        (359, ["240p"]),
        (240, ["240p"]),
    ],
)
def test_a_landscape_source_gets_every_rung_not_taller_than_itself(
    height: int, expected: list[str]
) -> None:
    assert names(height * 16 // 9, height) == expected


def test_the_full_ladder_of_a_1080p_source() -> None:
    assert transcode_ladder(1920, 1080) == [
        Rung("1080p", 1920, 1080, 5_000_000, 128_000),
        Rung("720p", 1280, 720, 2_800_000, 128_000),
        Rung("480p", 854, 480, 1_400_000, 128_000),
        Rung("360p", 640, 360, 800_000, 96_000),
        Rung("240p", 426, 240, 400_000, 96_000),
    ]


def test_a_portrait_source_is_measured_on_its_shorter_side() -> None:
    ladder = transcode_ladder(1080, 1920)
    assert [(r.name, r.width, r.height) for r in ladder] == [
        ("1080p", 1080, 1920),
        ("720p", 720, 1280),
        ("480p", 480, 854),
        ("360p", 360, 640),
        ("240p", 240, 426),
    ]


def test_a_portrait_source_gets_no_rung_wider_than_itself() -> None:
    assert names(720, 1280) == ["720p", "480p", "360p", "240p"]
    assert names(719, 1280) == ["480p", "360p", "240p"]


def test_a_square_source_keeps_its_shape() -> None:
    assert [(r.width, r.height) for r in transcode_ladder(500, 500)] == [
        (480, 480),
        (360, 360),
        (240, 240),
    ]


def test_a_source_below_240p_keeps_its_own_size() -> None:
    assert transcode_ladder(320, 180) == [Rung("180p", 320, 180, 400_000, 96_000)]


def test_a_tiny_odd_source_is_floored_to_even_sizes() -> None:
    assert transcode_ladder(175, 131) == [Rung("130p", 174, 130, 400_000, 96_000)]


@pytest.mark.parametrize(("width", "height"), [(321, 241), (999, 563), (1281, 721), (777, 1333)])
def test_odd_sources_give_even_sizes_with_the_aspect_preserved(width: int, height: int) -> None:
    for rung in transcode_ladder(width, height):
        assert rung.width % 2 == 0
        assert rung.height % 2 == 0
        assert rung.width / rung.height == pytest.approx(width / height, rel=0.01)


def test_bitrates_fall_with_the_rung_size() -> None:
    ladder = transcode_ladder(3840, 2160)
    video = [rung.video_bitrate for rung in ladder]
    assert video == sorted(video, reverse=True)
    assert all(rung.bitrate == rung.video_bitrate + rung.audio_bitrate for rung in ladder)
    assert {rung.audio_bitrate for rung in ladder} == {128_000, 96_000}


@pytest.mark.parametrize(("width", "height"), [(0, 240), (320, 0), (-2, 240)])
def test_a_sizeless_source_is_a_programming_error(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="positive size"):
        transcode_ladder(width, height)
