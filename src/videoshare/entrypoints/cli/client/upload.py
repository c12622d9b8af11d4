"""One upload, from a file on disk to the API's `…/upload/complete`.

The API decides the method: a single presigned PUT, or (above its threshold) a multipart upload
whose parts go in parallel. Before any byte is sent the video's id is remembered for this file
(`resume.py`); a second run after an interruption asks `GET /v1/videos/{id}/upload` for fresh
URLs and the parts S3 already holds, and sends only the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from videoshare.entrypoints.cli.client.errors import ClientFailure, problem_sentence
from videoshare.entrypoints.cli.client.media_file import MediaFile
from videoshare.entrypoints.cli.client.parts import UploadedPart, missing_parts, plan_parts
from videoshare.entrypoints.cli.client.progress import TransferProgress
from videoshare.entrypoints.cli.client.resume import PendingUpload, ResumeStore, resume_key
from videoshare.entrypoints.cli.client.session import ApiSession, read_body
from videoshare.entrypoints.cli.client.transfer import put_parts, put_single

# A video in one of these has its bytes already: a rerun must not upload it again.
_ARRIVED = frozenset({"uploaded", "processing", "ready"})


@dataclass(frozen=True)
class UploadRequest:
    media: MediaFile
    title: str
    description: str
    tags: list[str]
    visibility: str
    parallel: int
    show_progress: bool


async def upload_file(
    session: ApiSession, request: UploadRequest, say: Callable[[str], None]
) -> str:
    """Upload `request.media`; the video's id."""
    store = ResumeStore(session.config.config_dir)
    key = resume_key(session.config.api_url, request.media)
    pending = store.get(key)
    resumed = await _resume(session, pending, say) if pending else None
    if resumed is None:
        video_id, upload = await _create(session, request)
        store.put(key, PendingUpload(video_id, _text(upload.get("upload_id"))))
    elif resumed.upload is None:
        store.forget(key)
        return resumed.video_id
    else:
        video_id, upload = resumed.video_id, resumed.upload
    await _send(session, request, video_id, upload)
    store.forget(key)
    return video_id


async def _create(session: ApiSession, request: UploadRequest) -> tuple[str, dict[str, Any]]:
    media = request.media
    body = await session.call(
        "POST",
        "/v1/videos",
        what="creating the video",
        expect=(201,),
        json={
            "title": request.title,
            "description": request.description,
            "tags": request.tags,
            "visibility": request.visibility,
            "filename": media.path.name,
            "content_type": media.content_type,
            "size_bytes": media.size,
        },
    )
    try:
        return str(body["video"]["id"]), dict(body["upload"])
    except (KeyError, TypeError) as exc:
        raise ClientFailure("the API answered POST /v1/videos in an unknown shape") from exc


@dataclass(frozen=True)
class _Resumed:
    video_id: str
    upload: dict[str, Any] | None  # None: the bytes arrived already


async def _resume(
    session: ApiSession, pending: PendingUpload, say: Callable[[str], None]
) -> _Resumed | None:
    """How to go on with an upload a former run left unfinished; None: start over."""
    video_id = pending.video_id
    video = await _read(session, f"/v1/videos/{video_id}")
    status = video.get("status") if video else None
    if status in _ARRIVED:
        say(f"this file was already uploaded as video {video_id}")
        return _Resumed(video_id, None)
    if status != "awaiting_upload":
        return None  # deleted, rejected or gone: a fresh upload
    upload = await _read(session, f"/v1/videos/{video_id}/upload")
    if upload is None:
        return None  # the upload ended meanwhile (abandoned and cleaned up)
    if pending.upload_id and upload.get("upload_id") != pending.upload_id:
        return None
    say(f"resuming the upload of video {video_id}")
    return _Resumed(video_id, upload)


async def _read(session: ApiSession, path: str) -> dict[str, Any] | None:
    """The JSON object at `path`; None when it is gone (404) or over (409)."""
    async with session.request("GET", path, what="resuming the upload") as answer:
        body = await read_body(answer)
        if answer.status in (404, 409):
            return None
        if answer.status != 200 or not isinstance(body, dict):
            raise ClientFailure(problem_sentence(answer.status, body, "resuming the upload"))
        return body


async def _send(
    session: ApiSession, request: UploadRequest, video_id: str, upload: dict[str, Any]
) -> None:
    media = request.media
    method = upload.get("method")
    label = f"uploading {media.path.name}"
    with TransferProgress(label, media.size, enabled=request.show_progress) as bar:
        if method == "PUT":
            await put_single(
                session.http,
                str(upload["url"]),
                {str(k): str(v) for k, v in dict(upload.get("headers") or {}).items()},
                media.path,
                media.size,
                bar,
            )
            return
        if method != "MULTIPART":
            raise ClientFailure(f"the API asked for an upload method this client lacks: {method}")
        plan = plan_parts(media.size, int(upload["part_size"]))
        urls = {int(p["part_number"]): str(p["url"]) for p in upload["parts"]}
        uploaded = {
            part.number: part for part in map(_uploaded_part, upload.get("uploaded_parts", []))
        }
        todo = missing_parts(plan, uploaded)
        if any(part.number not in urls for part in todo):
            raise ClientFailure("the API gave no upload link for some parts; try again later")
        bar.complete(sum(p.size for p in plan) - sum(p.size for p in todo))
        planned = {part.number for part in plan}
        etags = {n: p.etag for n, p in uploaded.items() if n in planned}
        etags |= await put_parts(session.http, urls, media.path, todo, bar, request.parallel)
    await session.call(
        "POST",
        f"/v1/videos/{video_id}/upload/complete",
        what="completing the upload",
        expect=(200, 202, 204),
        json={"parts": [{"part_number": n, "etag": etags[n]} for n in sorted(etags)]},
    )


def _uploaded_part(raw: dict[str, Any]) -> UploadedPart:
    return UploadedPart(int(raw["part_number"]), str(raw["etag"]), int(raw["size"]))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
