"""An uploaded poster, made safe to serve: sniffed, bounded, decoded, re-encoded. Pure code
(Pillow), CPU-bound: callers run it in a thread.

    jpeg = reencoded_poster(data, max_pixels=…)    # or NotAnImage / UnsafeImage
    jpeg = storyboard_frame(vtt_text, sprite, 12.5)    # the thumbnail a person clicked

1. The format comes from the bytes, not the name or the Content-Type: Pillow opens only JPEG,
   PNG and WebP (`formats=`), so anything else is `NotAnImage`.
2. The pixel count is read from the header, before anything is decoded: above `max_pixels` the
   image is refused (a PNG of 50,000 x 50,000 declared in a few hundred bytes never reaches the
   decoder). Pillow's own guard (`Image.MAX_IMAGE_PIXELS`, a `DecompressionBombError` above
   twice it) stays on behind ours.
3. A JPEG is decoded at the smallest scale that still covers the poster size (`draft`).
4. Decoding is complete (`load`), so a truncated or damaged file is refused here, not served.
5. What is stored is always a new JPEG (RGB, at most `MAX_SIDE` on its long side, no metadata:
   EXIF, ICC, comments and anything appended to the file are left behind).
"""

from __future__ import annotations

import io
import re
import warnings

import webvtt
from PIL import Image, ImageOps, UnidentifiedImageError
from webvtt.errors import MalformedCaptionError, MalformedFileError

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_SIDE = 1920
JPEG_QUALITY = 85
_XYWH = re.compile(r"#xywh=(\d{1,6}),(\d{1,6}),(\d{1,6}),(\d{1,6})$")


class NotAnImage(ValueError):
    """Not a JPEG, PNG or WebP image."""


class UnsafeImage(ValueError):
    """An image refused before or while decoding; the message is a sentence for the person."""


def reencoded_poster(data: bytes, *, max_pixels: int) -> bytes:
    """`data` (a JPEG, PNG or WebP) as a new JPEG of at most `MAX_SIDE` pixels a side."""
    with warnings.catch_warnings():
        # Pillow warns (DecompressionBombWarning) between MAX_IMAGE_PIXELS and twice it; our
        # own cap below is the one that decides.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                return _reencoded(image, max_pixels)
        except UnidentifiedImageError:
            raise NotAnImage("The file is not a JPEG, PNG or WebP image.") from None
        except Image.DecompressionBombError:
            raise UnsafeImage("The image has too many pixels to be a poster.") from None
        except UnsafeImage:
            raise
        except (OSError, SyntaxError, ValueError) as exc:  # what Pillow's decoders raise
            raise UnsafeImage(f"The image is damaged or cut short ({exc}).") from None


def _reencoded(image: Image.Image, max_pixels: int) -> bytes:
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise UnsafeImage(
            f"The image is {width}x{height} pixels; a poster may have at most "
            f"{max_pixels:,} pixels."
        )
    if image.format == "JPEG":
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
    image.load()
    upright = ImageOps.exif_transpose(image)
    rgb = upright.convert("RGB")
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def storyboard_frame(vtt_text: str, sprite: bytes, time_s: float) -> bytes:
    """The storyboard's thumbnail shown at `time_s` (its cue's `#xywh=` part of the sprite), as
    a JPEG; `UnsafeImage` when the storyboard has no thumbnail there or cannot be read."""
    region = _tile_at(vtt_text, time_s)
    if region is None:
        raise UnsafeImage(f"The storyboard has no thumbnail at {time_s:g} s.")
    x, y, w, h = region
    try:
        with Image.open(io.BytesIO(sprite), formats=("JPEG",)) as image:
            tile = image.crop((x, y, x + w, y + h)).convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise UnsafeImage(f"The storyboard's sprite cannot be read ({exc}).") from None
    out = io.BytesIO()
    tile.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _tile_at(vtt_text: str, time_s: float) -> tuple[int, int, int, int] | None:
    """The `#xywh=` region of the cue showing at `time_s` (the last one, past the end)."""
    try:
        cues = webvtt.from_buffer(io.StringIO(vtt_text)).captions
    except (MalformedFileError, MalformedCaptionError):
        return None
    chosen = None
    for cue in cues:
        if _seconds(cue.start) > time_s:
            break
        chosen = cue
    match = _XYWH.search(chosen.text) if chosen else None
    return (int(match[1]), int(match[2]), int(match[3]), int(match[4])) if match else None


def _seconds(timestamp: str) -> float:
    hours, minutes, seconds = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
