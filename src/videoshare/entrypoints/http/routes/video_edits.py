"""`PATCH /v1/videos/{id}` and `DELETE /v1/videos/{id}`: the owner changes or deletes a video.

Both are conditional writes on the record's version (and status): when another writer got there
first (a worker moving the status, a concurrent edit) the record is read again and the change
applied to what is there now, a few times at most. Each successful write publishes its event
(`video.updated` with the names of the changed fields, `video.deleted`) with the request id as
correlation id; a deletion's objects are removed later by the housekeeping worker.

Who may: the owner. Others get 404 where they could not see the video at all (a private video,
one not ready yet) and 403 where they could (`GET` shows it to them, but it is not theirs).
"""

from __future__ import annotations

from aiohttp import web

from videoshare.bootstrap import Dependencies
from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import (
    VideoDeleted,
    VideoDeletedData,
    VideoUpdated,
    VideoUpdatedData,
)
from videoshare.domain.video import Video, VideoEdit
from videoshare.entrypoints.http.bearer import require_user
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.http.middleware.request_id import request_id
from videoshare.entrypoints.http.problems import Problem, validation_failed
from videoshare.entrypoints.http.replies import NO_STORE, json_reply
from videoshare.entrypoints.http.routes.playback import playback_links
from videoshare.entrypoints.http.schemas import UpdateVideoIn
from videoshare.entrypoints.http.validation import parse_body
from videoshare.entrypoints.http.views import video_view
from videoshare.usecases.videos import PRODUCER, readable_video

routes = web.RouteTableDef()

# Conflicting writers are rare (a worker moving the status); a few re-reads settle it.
MAX_ATTEMPTS = 5


@routes.patch("/v1/videos/{video_id}")
async def update(request: web.Request) -> web.Response:
    user = await require_user(request)
    body = await parse_body(request, UpdateVideoIn)
    edit = body.edit()
    if not body.model_fields_set:
        raise validation_failed(
            [
                {
                    "pointer": "#",
                    "detail": "send at least one of title, description, tags, visibility",
                }
            ]
        )
    svc = dependencies(request)
    video = await edit_video(
        svc, request.match_info["video_id"], user.user_id, edit, request_id(request)
    )
    out = await video_view(
        video, svc.storage, svc.settings.download_url_ttl_s, playback_links(request)
    )
    return json_reply(out, headers=NO_STORE)


@routes.delete("/v1/videos/{video_id}")
async def delete(request: web.Request) -> web.Response:
    user = await require_user(request)
    svc = dependencies(request)
    await delete_video(svc, request.match_info["video_id"], user.user_id, request_id(request))
    return web.Response(status=202, headers=NO_STORE)


async def owned_video(svc: Dependencies, video_id: str, user_id: str) -> Video:
    """The video if `user_id` owns it: 404 where they cannot see it, 403 where they can."""
    video = await readable_video(svc, video_id, user_id)
    if video.owner_id != user_id:
        raise Problem(
            403,
            "owner-only",
            "Owner only",
            "Only the owner of this video can change or delete it.",
        )
    return video


async def edit_video(
    svc: Dependencies, video_id: str, user_id: str, edit: VideoEdit, correlation_id: str
) -> Video:
    for _ in range(MAX_ATTEMPTS):
        video = await owned_video(svc, video_id, user_id)
        changed = video.edit_changes(edit)
        if not changed:
            return video  # nothing to write, nothing to tell
        try:
            saved = await svc.videos.save(video.edited(edit), expected=video)
        except VideoConflict:
            continue
        await svc.publisher.publish(
            VideoUpdated(
                correlation_id=correlation_id,
                producer=PRODUCER,
                data=VideoUpdatedData(video_id=saved.id, owner_id=saved.owner_id, changed=changed),
            )
        )
        return saved
    raise _busy()


async def delete_video(svc: Dependencies, video_id: str, user_id: str, correlation_id: str) -> None:
    for _ in range(MAX_ATTEMPTS):
        video = await owned_video(svc, video_id, user_id)
        try:
            deleted = await svc.videos.save(video.deleted(), expected=video)
        except VideoConflict:
            continue
        await svc.publisher.publish(
            VideoDeleted(
                correlation_id=correlation_id,
                producer=PRODUCER,
                data=VideoDeletedData(video_id=deleted.id, owner_id=deleted.owner_id),
            )
        )
        return
    raise _busy()


def _busy() -> Problem:
    return Problem(
        409,
        "edit-conflict",
        "Video busy",
        "The video kept changing while this request tried to write it; try again.",
        headers={"Retry-After": "1"},
    )
