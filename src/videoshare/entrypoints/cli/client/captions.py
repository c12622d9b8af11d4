"""`captions add | list | remove` and `poster`: a ready video's captions and poster.

The file is sent as it is (the API sniffs, parses and re-encodes it, and says in a sentence
what is wrong with one it refuses); it is read here only up to the cap the API would refuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from videoshare.entrypoints.cli.client.errors import ClientFailure
from videoshare.entrypoints.cli.client.session import ApiSession

# Larger than any cap the API allows for these files (settings: at most 16 and 64 MiB).
MAX_FILE_BYTES = 64 * 1024**2
CAPTION_TYPES = {".srt": "application/x-subrip", ".vtt": "text/vtt"}
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ClientFailure(f"{path} is larger than any captions file or poster may be")
        return path.read_bytes()
    except OSError as exc:
        raise ClientFailure(f"cannot read {path}: {exc.strerror or exc}") from None


async def add_captions(
    session: ApiSession, video_id: str, language: str, path: Path, label: str | None
) -> dict[str, Any]:
    params = {"label": label} if label else {}
    content_type = CAPTION_TYPES.get(path.suffix.lower(), "text/plain")
    caption: dict[str, Any] = await session.call(
        "PUT",
        f"/v1/videos/{quote(video_id, safe='')}/captions/{quote(language, safe='')}",
        what=f"adding captions to video {video_id}",
        data=_read(path),
        params=params,
        headers={"Content-Type": content_type},
    )
    return caption


async def list_captions(session: ApiSession, video_id: str) -> list[dict[str, Any]]:
    answer = await session.call(
        "GET", f"/v1/videos/{quote(video_id, safe='')}/captions", what="listing captions"
    )
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        raise ClientFailure("the API answered the captions list in an unknown shape")
    return list(answer["items"])


async def remove_captions(session: ApiSession, video_id: str, language: str) -> None:
    await session.call(
        "DELETE",
        f"/v1/videos/{quote(video_id, safe='')}/captions/{quote(language, safe='')}",
        what=f"removing captions from video {video_id}",
        expect=(204,),
    )


async def set_poster(
    session: ApiSession, video_id: str, image: Path | None, at_s: float | None
) -> dict[str, Any]:
    path = f"/v1/videos/{quote(video_id, safe='')}/poster"
    what = f"setting the poster of video {video_id}"
    if image is not None:
        content_type = IMAGE_TYPES.get(image.suffix.lower(), "application/octet-stream")
        video: dict[str, Any] = await session.call(
            "PUT", path, what=what, data=_read(image), headers={"Content-Type": content_type}
        )
        return video
    video = await session.call("POST", f"{path}/moment", what=what, json={"time_s": at_s})
    return dict(video)
