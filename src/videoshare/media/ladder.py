"""The rendition ladder: which MP4s to make of a source, chosen from its display size. Pure.

Standard rungs are named after their short side (the height of a landscape video, the width of a
portrait one): 1080p, 720p, 480p, 360p, 240p. A source gets every rung whose short side is not
larger than its own (no upscaling), and always at least one: a source smaller than 240p keeps its
own size. Dimensions are even (H.264 4:2:0 needs that) and keep the source's aspect ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Rung:
    """One rendition to encode: its name, display size and target bitrates (bits per second)."""

    name: str
    width: int
    height: int
    video_bitrate: int
    audio_bitrate: int

    @property
    def bitrate(self) -> int:
        """Video and audio together, bits per second."""
        return self.video_bitrate + self.audio_bitrate


@dataclass(frozen=True, slots=True)
class _Standard:
    short_side: int
    video_bitrate: int
    audio_bitrate: int


STANDARD_RUNGS: Final = (
    _Standard(1080, 5_000_000, 128_000),
    _Standard(720, 2_800_000, 128_000),
    _Standard(480, 1_400_000, 128_000),
    _Standard(360, 800_000, 96_000),
    _Standard(240, 400_000, 96_000),
)


def transcode_ladder(width: int, height: int) -> list[Rung]:
    """The rungs for a source displayed at `width`x`height` (after rotation), largest first."""
    if width <= 0 or height <= 0:
        raise ValueError(f"a video has a positive size, not {width}x{height}")
    short_side = min(width, height)
    rungs = [_scaled(width, height, std) for std in STANDARD_RUNGS if std.short_side <= short_side]
    if rungs:
        return rungs
    smallest = STANDARD_RUNGS[-1]
    own_width, own_height = _even_floor(width), _even_floor(height)
    return [
        Rung(
            name=f"{min(own_width, own_height)}p",
            width=own_width,
            height=own_height,
            video_bitrate=smallest.video_bitrate,
            audio_bitrate=smallest.audio_bitrate,
        )
    ]


def _scaled(width: int, height: int, std: _Standard) -> Rung:
    if width >= height:
        out_width, out_height = _even(width * std.short_side / height), std.short_side
    else:
        out_width, out_height = std.short_side, _even(height * std.short_side / width)
    return Rung(
        name=f"{std.short_side}p",
        width=out_width,
        height=out_height,
        video_bitrate=std.video_bitrate,
        audio_bitrate=std.audio_bitrate,
    )


def _even(size: float) -> int:
    """The nearest even whole number, at least 2."""
    return max(2, 2 * round(size / 2))


def _even_floor(size: int) -> int:
    return max(2, size - size % 2)
