"""The filename a video keeps: what the client called it, without any folder, control
characters or quotes, and not too long (it ends up in a Content-Disposition header). Pure code."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# The longest filename we keep (the UTF-8 form may be longer).
MAX_FILENAME_CHARS = 150
FALLBACK_FILENAME = "video"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_filename(name: str) -> str:
    """`name` without any folder, control characters or quotes, and not too long."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = _CONTROL.sub("", base).replace('"', "").strip(" .")
    if not cleaned:
        return FALLBACK_FILENAME
    if len(cleaned) > MAX_FILENAME_CHARS:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            cleaned = f"{stem[: MAX_FILENAME_CHARS - len(suffix) - 1]}.{suffix}"
        else:
            cleaned = cleaned[:MAX_FILENAME_CHARS]
    return cleaned
