"""Walk the top-level boxes of an MP4/QuickTime file: is the file as long as its boxes say?

An upload cut short in its media data (`mdat`) still has a complete index when the index comes
first (`faststart`), so FFmpeg opens it and decodes its first frames happily; only the box sizes
tell that the end is missing. Reading them costs one seek and 16 bytes per top-level box.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

_HEADER: Final = 8
_LARGE_HEADER: Final = 16
MAX_BOXES: Final = 10_000  # a real file has a handful; thousands of tiny boxes is an attack


@dataclass(frozen=True, slots=True)
class Shortfall:
    box: str  # the four-character type of the box that runs past the end, e.g. "mdat"
    missing_bytes: int


def top_level_shortfall(path: Path) -> Shortfall | None:
    """The first top-level box that extends past the end of the file at `path`, if any.

    A box of size 0 extends to the end of the file by definition (a recording's last `mdat`);
    fewer than 8 bytes after the last box are ignored (padding); `missing_bytes` is 0 for a box
    whose declared size is impossible (smaller than its own header).
    """
    size = path.stat().st_size
    with path.open("rb") as file:
        return _walk(file, size)


def _walk(file: BinaryIO, file_size: int) -> Shortfall | None:
    offset = 0
    for _ in range(MAX_BOXES):
        if offset >= file_size:
            return None
        file.seek(offset)
        header = file.read(_LARGE_HEADER)
        if len(header) < _HEADER:
            return None
        box_size = int.from_bytes(header[0:4], "big")
        box = header[4:8].decode("latin-1")
        if box_size == 0:  # to the end of the file
            return None
        if box_size == 1:  # a 64-bit size follows the type
            if len(header) < _LARGE_HEADER:
                return Shortfall(box, _LARGE_HEADER - len(header))
            box_size = int.from_bytes(header[8:16], "big")
            if box_size < _LARGE_HEADER:
                return Shortfall(box, 0)
        elif box_size < _HEADER:
            return Shortfall(box, 0)
        if offset + box_size > file_size:
            return Shortfall(box, offset + box_size - file_size)
        offset += box_size
    return None
