"""Finalizing an upload: an object arrived at a source key → check it against its video record.

    the object is not an upload of ours (other bucket, not a source key)  → Reject unknown_key
    no record for it                                                      → Reject unknown_video
    awaiting_upload, the object not readable yet                         → RetryLater
    awaiting_upload, the declared size and a container we accept         → uploaded, and once the
                                                                            owner has a processing
                                                                            turn, video.uploaded
                                                                            (until then: Defer)
    awaiting_upload, another size, or not a video                        → rejected, the source
                                                                            deleted and its storage
                                                                            released, video.rejected
    uploaded, or rejected by this verdict (a repeat, a crash after the write, or a video
    waiting its turn)                                                     → the verdict said again
                                                                            (a rejected source
                                                                            deleted again)
    anything else (processing, ready, rejected by the transcoder, …)     → nothing

The verdict's event has the id of the video's one upload verdict (`video_uploaded`,
`video_rejected(…, verdict_on_upload=True)`), so saying it again is always safe.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from videoshare.bus.outcomes import Reject, RetryLater
from videoshare.domain import keys
from videoshare.domain.errors import ObjectMissing
from videoshare.domain.events import VideoRejected, VideoUploaded, video_rejected, video_uploaded
from videoshare.domain.video import Video, VideoStatus
from videoshare.media.sniff import SNIFF_BYTES, sniff_container
from videoshare.usecases.lifecycle import LifecyclePorts, give_up, move, rejected_after_upload
from videoshare.usecases.limits import release_storage
from videoshare.usecases.ports import (
    ObjectStart,
    ObjectStore,
    VideoJobPorts,
)
from videoshare.usecases.processing_turns import DEFAULT_TURNS, ProcessingTurns, take_turn

log = structlog.get_logger("upload-finalizer")

GAVE_UP_REASON = "The upload could not be checked."


FinalizerPorts = VideoJobPorts


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    code: str = ""
    reason: str = ""


NOT_A_VIDEO = Verdict(
    False,
    "not_a_video",
    "The file is not a video we can read; upload an MP4, MOV, MKV or WebM file.",
)


def size_verdict(declared: int, actual: int) -> Verdict | None:
    """A rejection when the object is not the size the client declared."""
    if actual == declared:
        return None
    return Verdict(
        False,
        "size_mismatch",
        f"The upload was {actual:,} bytes but {declared:,} bytes were declared; "
        "upload the file again.",
    )


def verdict_on(video: Video, start: ObjectStart) -> Verdict:
    """The verdict on an upload from its size and first bytes."""
    rejection = size_verdict(video.declared_size_bytes, start.size)
    if rejection:
        return rejection
    return Verdict(True) if sniff_container(start.first_bytes) else NOT_A_VIDEO


async def finalize_upload(
    ports: FinalizerPorts,
    *,
    bucket: str,
    key: str,
    cause_id: str,
    producer: str,
    turns: ProcessingTurns = DEFAULT_TURNS,
) -> None:
    """Decide on the upload S3 told of (`bucket`/`key`, in the message `cause_id`); an accepted
    one goes on to the transcoder once its owner has a processing turn (`Defer` until then)."""
    video_id = keys.video_id_from_source_key(key)
    if video_id is None or bucket != ports.objects.bucket:
        raise Reject(f"{bucket}/{key} is not an upload of ours", code="unknown_key")
    # The record and the object are read at once: both lie on the way to `video.uploaded`.
    # What the object's read found (or raised) counts only if the video still awaits it.
    video, start = await asyncio.gather(
        ports.videos.get(video_id), _read_start(ports.objects, key), return_exceptions=True
    )
    if isinstance(video, BaseException):
        raise video
    if video is None:
        raise Reject(f"no video record for upload {key}", code="unknown_video")
    # S3 knows nothing of the request that created the video; the record does. This message's
    # log line carries that correlation id, as every event published from here does.
    structlog.contextvars.bind_contextvars(
        video_id=video.id, correlation_id=video.correlation_id or cause_id
    )
    if video.status is VideoStatus.AWAITING_UPLOAD:
        if video.source_key != key:  # not the upload the record expects (never, with keys)
            start = await _read_start(ports.objects, video.source_key)
        if isinstance(start, BaseException):
            raise start
        verdict = verdict_on(video, start)
        if verdict.accepted:
            # The move and the turn at once: both lie on the way to `video.uploaded`, and each
            # is safe to repeat should the other fail (a turn is the video's own slot, kept).
            moved, turn = await asyncio.gather(
                move(ports.videos, video.uploaded(), expected=video),
                take_turn(ports, video.owner_id, video.id, turns),
                return_exceptions=True,
            )
            for outcome in (moved, turn):  # the move's failure first, then the turn's `Defer`
                if isinstance(outcome, BaseException):
                    raise outcome
            assert isinstance(moved, Video)
            video = moved
        else:
            changed = video.rejected(verdict.code, verdict.reason)
            video = await move(ports.videos, changed, expected=video)
    elif not _decided_here(video):
        log.info("already_past_upload", video_id=video.id, status=video.status.value)
        return
    elif video.status is VideoStatus.UPLOADED:  # said again: its turn, taken again (kept)
        await take_turn(ports, video.owner_id, video.id, turns)
    if video.status is VideoStatus.REJECTED:
        # a rejected upload is not kept: the storage it took is freed at once (deleting again,
        # on a repeat, deletes nothing)
        await ports.objects.delete([video.source_key])
        await release_storage(ports, video.owner_id, video.id)
    # Published again when a previous attempt wrote but crashed before publishing (or S3 tells
    # of the upload again): the event id is the video's, so consumers see a duplicate.
    await ports.publisher.publish(verdict_event(video, cause_id=cause_id, producer=producer))


async def give_up_on_upload(
    ports: LifecyclePorts, *, key: str, cause_id: str, producer: str
) -> None:
    """The upload at `key` could not be checked in any attempt: its video is `failed`."""
    video_id = keys.video_id_from_source_key(key)
    if video_id:
        await give_up(ports, video_id, cause_id=cause_id, reason=GAVE_UP_REASON, producer=producer)


def verdict_event(video: Video, *, cause_id: str, producer: str) -> VideoUploaded | VideoRejected:
    """The verdict the record holds, as its one event."""
    if video.status is VideoStatus.UPLOADED:
        return video_uploaded(video, cause_id=cause_id, producer=producer)
    return video_rejected(
        video,
        video.status_code or "rejected",
        video.status_reason or "The upload was rejected.",
        cause_id=cause_id,
        producer=producer,
        verdict_on_upload=True,
    )


def _decided_here(video: Video) -> bool:
    """Whether the video's status is still this use case's verdict on its upload: `uploaded`,
    or `rejected` by it (the transcoder announces its own rejections)."""
    if video.status is VideoStatus.UPLOADED:
        return True
    return video.status is VideoStatus.REJECTED and not rejected_after_upload(video)


async def _read_start(objects: ObjectStore, key: str) -> ObjectStart:
    """The upload's size and first bytes; `RetryLater` when it is not readable yet."""
    try:
        return await objects.read_start(key, SNIFF_BYTES)
    except ObjectMissing as exc:
        raise RetryLater(f"{key} is not readable yet") from exc
