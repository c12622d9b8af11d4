"""`videos list` and `videos download`."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import aiohttp
from rich.console import Console
from rich.table import Column, Table

from videoshare.entrypoints.cli.client.errors import ClientFailure, problem_sentence
from videoshare.entrypoints.cli.client.progress import TransferProgress
from videoshare.entrypoints.cli.client.session import ApiSession, read_body
from videoshare.entrypoints.cli.client.transfer import CHUNK

PAGE = 100
GET_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10, sock_read=120)
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*UTF-8''([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Listing:
    items: list[dict[str, Any]]
    more: bool  # the API has more videos than these (it gave a `next_cursor`)


async def list_videos(session: ApiSession, scope: str, limit: int) -> Listing:
    """Up to `limit` videos of `scope`, newest first, following `next_cursor`."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(items) < limit:
        params = {"scope": scope, "limit": str(min(PAGE, limit - len(items)))}
        if cursor:
            params["cursor"] = cursor
        page = await session.call("GET", "/v1/videos", what="listing videos", params=params)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise ClientFailure("the API answered GET /v1/videos in an unknown shape")
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor or not page["items"]:
            cursor = None
            break
    return Listing(items[:limit], more=bool(cursor) or len(items) > limit)


def videos_table(items: list[dict[str, Any]]) -> Table:
    table = Table("title", "status", "visibility", "duration", "resolution", "created")
    table.columns.insert(0, Column("id", no_wrap=True, min_width=32))
    for video in items:
        status = str(video.get("status", ""))
        if video.get("status_reason"):
            status += f" ({video['status_reason']})"
        duration = video.get("duration_s")
        table.add_row(
            str(video.get("id", "")),
            str(video.get("title", "")),
            status,
            str(video.get("visibility", "")),
            f"{duration:.1f} s" if isinstance(duration, int | float) else "",
            f"{video['width']}x{video['height']}" if video.get("height") else "",
            str(video.get("created_at", ""))[:19].replace("T", " "),
        )
    return table


def print_table(items: list[dict[str, Any]]) -> None:
    if not items:
        print("no videos")
        return
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # piped: keep one video a line where possible
    console.print(videos_table(items))


def filename_from(disposition: str | None) -> str | None:
    """The file name a Content-Disposition header suggests, without any folder."""
    if not disposition:
        return None
    match = _FILENAME_STAR.search(disposition) or _FILENAME.search(disposition)
    if not match:
        return None
    name = Path(unquote(match.group(1)).replace("\\", "/")).name.strip()
    return name if name not in ("", ".", "..") else None


async def download_video(
    session: ApiSession,
    video_id: str,
    rendition: str | None,
    output: Path | None,
    *,
    overwrite: bool,
    show_progress: bool,
) -> Path:
    """Save a rendition (or the source) of a video; the path written."""
    params = {"rendition": rendition} if rendition else {}
    async with session.request(
        "GET", f"/v1/videos/{video_id}/download", what="downloading", params=params
    ) as answer:
        body = await read_body(answer)
        if answer.status == 409:
            await _say_why_not_ready(session, video_id)
        if answer.status != 302 or "Location" not in answer.headers:
            raise ClientFailure(problem_sentence(answer.status, body, "downloading"))
        location = answer.headers["Location"]
    try:
        async with session.http.get(location, timeout=GET_TIMEOUT) as response:
            if response.status != 200:
                raise ClientFailure(
                    f"downloading failed: the storage answered HTTP {response.status}; try again"
                )
            suggested = filename_from(response.headers.get("Content-Disposition"))
            target = _target(output, suggested or f"{video_id}-{rendition or 'video'}.mp4")
            if target.exists() and not overwrite:
                raise ClientFailure(
                    f"{target} exists; choose another -o PATH or pass --force", exit_code=2
                )
            await _save(response, target, show_progress)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ClientFailure(f"downloading failed: {exc or type(exc).__name__}; try again") from exc
    return target


async def _say_why_not_ready(session: ApiSession, video_id: str) -> None:
    """A video that will never be ready says so, with its reason, instead of "not ready"."""
    video = await session.call("GET", f"/v1/videos/{video_id}", what="reading the video")
    status = video.get("status") if isinstance(video, dict) else None
    if status in ("rejected", "failed"):
        reason = video.get("status_reason") or "no reason given"
        happened = "failed" if status == "failed" else "was rejected"
        raise ClientFailure(
            f"video {video_id} {happened}, so there is nothing to download: {reason}"
        )


def _target(output: Path | None, suggested: str) -> Path:
    if output is None:
        return Path.cwd() / suggested
    return output / suggested if output.is_dir() else output


async def _save(response: aiohttp.ClientResponse, target: Path, show_progress: bool) -> None:
    """Stream to a hidden file next to `target`, renamed when complete: never a partial file
    under the wanted name."""
    staging = target.with_name(f".{target.name}.{os.getpid()}.part")
    total = response.content_length or 0
    try:
        out = staging.open("wb")
    except OSError as exc:
        raise ClientFailure(f"cannot write {target}: {exc.strerror}", exit_code=2) from exc
    try:
        with (
            TransferProgress(f"downloading {target.name}", total, enabled=show_progress) as bar,
            out,
        ):
            async for chunk in response.content.iter_chunked(CHUNK):
                await asyncio.to_thread(out.write, chunk)
                bar.advance(len(chunk))
        staging.replace(target)
    finally:
        staging.unlink(missing_ok=True)
