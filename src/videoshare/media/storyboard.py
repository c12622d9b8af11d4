"""The storyboard: thumbnails at regular times tiled into one sprite JPEG, and the WebVTT file
that tells a player which part of the sprite to show for each time (as Mux's `storyboard.vtt`).
Pure: the plan is made before ffmpeg runs, so the filter graph and the VTT agree by construction.

A thumbnail is taken every `interval_s` (at least 1 s, more for videos longer than 100 s, so a
sprite never holds more than 100 thumbnails), each fitting a 160x160 box with the source's aspect
ratio, laid out left to right, top to bottom, at most 10 per row. Cue payloads are relative
(`storyboard.jpg#xywh=x,y,w,h`): the VTT and the sprite sit side by side wherever they are served.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

SPRITE_NAME: Final = "storyboard.jpg"
VTT_NAME: Final = "storyboard.vtt"
MAX_THUMBNAILS: Final = 100
MIN_INTERVAL_S: Final = 1.0
THUMBNAIL_BOX: Final = 160
COLUMNS: Final = 10


@dataclass(frozen=True, slots=True)
class Tile:
    start_s: float
    end_s: float
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class StoryboardPlan:
    interval_s: float
    count: int
    columns: int
    rows: int
    thumb_width: int
    thumb_height: int
    duration_s: float

    @property
    def sprite_width(self) -> int:
        return self.columns * self.thumb_width

    @property
    def sprite_height(self) -> int:
        return self.rows * self.thumb_height

    def tiles(self) -> list[Tile]:
        tiles = []
        for index in range(self.count):
            start_s = index * self.interval_s
            last = index == self.count - 1
            tiles.append(
                Tile(
                    start_s=start_s,
                    # the last cue lasts to the end (and never ends before it starts)
                    end_s=max(self.duration_s, start_s + 0.001)
                    if last
                    else start_s + self.interval_s,
                    x=(index % self.columns) * self.thumb_width,
                    y=(index // self.columns) * self.thumb_height,
                )
            )
        return tiles


def plan_storyboard(
    width: int, height: int, duration_s: float, frame_rate: float | None
) -> StoryboardPlan:
    """The storyboard of a video displayed at `width`x`height` whose picture lasts `duration_s`.

    Thumbnail *k* is the first frame at or after `k * interval_s`; `count` only includes the
    times a frame is sure to exist at (the last frame starts one frame before the end).
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"a video has a positive size, not {width}x{height}")
    duration_s = max(0.0, duration_s)
    interval_s = max(MIN_INTERVAL_S, duration_s / MAX_THUMBNAILS)
    frame_s = 1 / frame_rate if frame_rate and frame_rate > 0 else 0.1
    last_frame_s = max(0.0, duration_s - frame_s)
    count = min(MAX_THUMBNAILS, math.floor(last_frame_s / interval_s + 1e-9) + 1)
    columns = min(count, COLUMNS)
    thumb_width, thumb_height = _fit(width, height, min(THUMBNAIL_BOX, max(width, height)))
    return StoryboardPlan(
        interval_s=interval_s,
        count=count,
        columns=columns,
        rows=math.ceil(count / columns),
        thumb_width=thumb_width,
        thumb_height=thumb_height,
        duration_s=duration_s,
    )


def storyboard_vtt(plan: StoryboardPlan) -> str:
    """The WebVTT text: one cue per thumbnail, its payload a relative sprite fragment."""
    cues = [
        f"{_timestamp(tile.start_s)} --> {_timestamp(tile.end_s)}\n"
        f"{SPRITE_NAME}#xywh={tile.x},{tile.y},{plan.thumb_width},{plan.thumb_height}\n"
        for tile in plan.tiles()
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    """The even size within `box`x`box` with the aspect ratio of `width`x`height`."""
    if width >= height:
        return _even(box), _even(box * height / width)
    return _even(box * width / height), _even(box)


def _even(size: float) -> int:
    return max(2, 2 * round(size / 2))


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
