"""Is a file worth uploading, and as what content type? Checked before anything is sent, so a
typo or a wrong file costs nothing. The server checks again; this only saves a round trip."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from videoshare.entrypoints.cli.client.errors import ClientFailure
from videoshare.media.sniff import MATROSKA, SNIFF_BYTES, sniff_container

# The longest title the API takes (its MAX_TITLE; tests/client/test_client_logic.py holds them
# equal): a file name longer than this gives a title cut to fit.
TITLE_LIMIT: Final = 200

# The content type to declare, by extension; other extensions fall back on the container.
_TYPES: Final = {
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".3gp": "video/3gpp",
    ".3g2": "video/3gpp2",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
}


@dataclass(frozen=True)
class MediaFile:
    path: Path
    size: int
    mtime_ns: int
    content_type: str


def content_type_for(path: Path, head: bytes) -> str | None:
    """The video content type of a file named `path` that starts with `head`, or None when
    its first bytes are not a video container the service accepts."""
    family = sniff_container(head)
    if family is None:
        return None
    known = _TYPES.get(path.suffix.lower())
    if known is not None:
        return known
    return "video/x-matroska" if family == MATROSKA else "video/mp4"


def checked_media_file(path: Path) -> MediaFile:
    """The file at `path` if it can be uploaded; `ClientFailure` with what to do otherwise."""
    if not path.exists():
        raise ClientFailure(f"{path}: no such file; check the path", exit_code=2)
    if path.is_dir():
        raise ClientFailure(f"{path} is a folder; give the path of one video file", exit_code=2)
    try:
        stat = path.stat()
        with path.open("rb") as source:
            head = source.read(SNIFF_BYTES)
    except OSError as exc:
        raise ClientFailure(f"{path}: cannot read it ({exc.strerror})", exit_code=2) from exc
    if stat.st_size == 0:
        raise ClientFailure(f"{path} is empty; there is nothing to upload", exit_code=2)
    content_type = content_type_for(path, head)
    if content_type is None:
        raise ClientFailure(
            f"{path} is not a video this service takes (MP4, MOV, MKV or WebM)", exit_code=2
        )
    return MediaFile(path, stat.st_size, stat.st_mtime_ns, content_type)


def title_for(path: Path, limit: int = TITLE_LIMIT) -> str:
    """The default title of an upload: the file's name without its extension, cut to fit."""
    title = " ".join(path.stem.split()) or path.name
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
