"""Uploads: one presigned PUT up to `multipart_threshold_bytes`, a multipart upload above it.

    POST /v1/videos                          answers the Upload (`start_upload` below)
    GET  /v1/videos/{id}/upload              a fresh Upload, plus the parts S3 holds already
    POST /v1/videos/{id}/upload/complete     joins the parts; S3's ObjectCreated starts the rest

A multipart Upload lists a presigned UploadPart URL per part; the client PUTs each part, keeps
each answer's `ETag` (the bucket's CORS rule exposes it to browsers) and sends the list to
`…/upload/complete`. An interrupted client asks `GET …/upload` which parts arrived and sends
the rest. Only the owner may do any of this, and only while the video awaits its upload.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from videoshare.adapters.storage import MultipartRefused
from videoshare.bootstrap import Dependencies
from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import utc_now
from videoshare.domain.upload_plan import part_list_errors
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.problems import Problem, validation_failed
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.routes.video_edits import MAX_ATTEMPTS, owned_video
from videoshare.entrypoints.http.schemas import (
    CompleteUploadIn,
    ResumedMultipartOut,
    UploadedPartOut,
)
from videoshare.entrypoints.http.validation import parse_body
from videoshare.usecases.upload_urls import MultipartUpload, part_urls, upload_out

routes = web.RouteTableDef()


@routes.get("/v1/videos/{video_id}/upload")
async def resume(request: web.Request) -> web.Response:
    user = await require_user(request)
    svc = dependencies(request)
    ttl = svc.settings.upload_url_ttl_s
    video = await _awaiting_upload(svc, request.match_info["video_id"], user.user_id)
    if video.multipart_upload_id is None or video.part_size_bytes is None:
        single = await svc.storage.presign_upload(
            video.source_key, video.content_type, video.declared_size_bytes, ttl
        )
        await _extend(svc, video, single.expires_at, user.user_id)
        return json_reply(upload_out(single), headers=NO_STORE)
    try:
        held = await svc.storage.uploaded_parts(video.source_key, video.multipart_upload_id)
    except MultipartRefused as exc:
        raise _refused(exc) from None
    part_count = -(-video.declared_size_bytes // video.part_size_bytes)
    upload = MultipartUpload(
        video.multipart_upload_id,
        video.part_size_bytes,
        await svc.storage.presign_parts(
            video.source_key, video.multipart_upload_id, part_count, ttl
        ),
        utc_now() + timedelta(seconds=ttl),
    )
    await _extend(svc, video, upload.expires_at, user.user_id)
    out = ResumedMultipartOut(
        upload_id=upload.upload_id,
        part_size=upload.part_size,
        parts=part_urls(upload),
        expires_at=upload.expires_at,
        uploaded_parts=[
            UploadedPartOut(part_number=p.part_number, etag=p.etag, size=p.size) for p in held
        ],
    )
    return json_reply(out, headers=NO_STORE)


@routes.post("/v1/videos/{video_id}/upload/complete")
async def complete(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, CompleteUploadIn)
    svc = dependencies(request)
    video = await _awaiting_upload(svc, request.match_info["video_id"], user.user_id)
    if video.multipart_upload_id is None or video.part_size_bytes is None:
        raise Problem(
            409,
            "not-multipart",
            "Not a multipart upload",
            "This video's upload is a single PUT to its URL; there is nothing to complete.",
        )
    part_count = -(-video.declared_size_bytes // video.part_size_bytes)
    numbers = [p.part_number for p in body.parts]
    errors = part_list_errors(numbers, part_count)
    if errors:
        raise validation_failed([{"pointer": "#/parts", "detail": e} for e in errors])
    if await svc.storage.exists(video.source_key):
        # S3 (and the emulator) accept a repeated complete and write the object again
        raise _finished("the file has arrived")
    try:
        await svc.storage.complete_multipart(
            video.source_key,
            video.multipart_upload_id,
            [(p.part_number, p.etag) for p in body.parts],
        )
    except MultipartRefused as exc:
        raise _refused(exc) from None
    return web.Response(status=202, headers=NO_STORE)


async def _awaiting_upload(svc: Dependencies, video_id: str, user_id: str) -> Video:
    video = await owned_video(svc, video_id, user_id)
    if video.status is not VideoStatus.AWAITING_UPLOAD:
        raise _finished(f"the video is {video.status.value}")
    return video


async def _extend(svc: Dependencies, video: Video, expires_at: datetime, user_id: str) -> None:
    """Record the new expiry, so housekeeping does not abort an upload still going on."""
    for _ in range(MAX_ATTEMPTS):
        try:
            await svc.videos.save(video.upload_extended(expires_at), expected=video)
        except VideoConflict:
            video = await _awaiting_upload(svc, video.id, user_id)
        else:
            return


def _finished(why: str) -> Problem:
    return Problem(
        409,
        "upload-finished",
        "Upload finished",
        f"This video's upload is over ({why}); create a new video to upload again.",
    )


_PART_PROBLEMS = {
    "InvalidPart": (
        "invalid-part",
        "A part does not match",
        "A part was not found, or its ETag is not the one S3 gave when it was uploaded; "
        "upload that part again (GET …/upload lists the parts S3 holds) and complete again.",
    ),
    "InvalidPartOrder": (
        "invalid-part",
        "Parts out of order",
        "The parts must be listed in ascending order of part_number.",
    ),
    "EntityTooSmall": (
        "part-too-small",
        "A part is too small",
        "Every part but the last must be part_size bytes; upload the short part again.",
    ),
}


def _refused(exc: MultipartRefused) -> Problem:
    if exc.code == "NoSuchUpload":
        return _finished("it was completed or abandoned")
    slug, title, detail = _PART_PROBLEMS.get(
        exc.code, ("upload-refused", "Upload refused", "S3 refused the part list.")
    )
    return Problem(422, slug, title, f"{detail} (S3: {exc.message or exc.code})")
