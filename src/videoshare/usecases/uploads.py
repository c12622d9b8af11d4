"""Uploads after the video exists: resume one, complete a multipart one.

    resume_upload     a fresh Upload (a single PUT, or fresh part URLs plus the parts S3
                      holds already), and the record's upload expiry moved on with it
    complete_upload   checks the parts S3 holds against the plan (ListParts: a part larger
                      than planned aborts the whole upload, `PartTooLarge`), then joins them;
                      S3's ObjectCreated starts the rest of the pipeline

Only the owner may do either, and only while the video awaits its upload (`UploadFinished`).
S3's refusals of a part list (`MultipartRefused`) become the domain's errors:

    NoSuchUpload       UploadFinished (completed or abandoned)
    InvalidPart        PartMismatch
    InvalidPartOrder   PartsOutOfOrder
    EntityTooSmall     PartTooSmall
    anything else      PartsRefused
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from videoshare.domain.errors import (
    InvalidParts,
    NotMultipart,
    PartMismatch,
    PartsOutOfOrder,
    PartsRefused,
    PartTooLarge,
    PartTooSmall,
    UploadFinished,
    VideoConflict,
)
from videoshare.domain.upload_plan import oversized_parts, part_list_errors, planned_part_sizes
from videoshare.domain.video import Video, VideoStatus
from videoshare.settings import Settings
from videoshare.usecases.ports import (
    MediaStore,
    MultipartRefused,
    PresignedUpload,
    UploadedPart,
    VideoStore,
)
from videoshare.usecases.upload_urls import MultipartUpload, part_urls_again, single_put_again
from videoshare.usecases.video_edits import MAX_ATTEMPTS, owned_video


class ResumePorts(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def videos(self) -> VideoStore: ...
    @property
    def storage(self) -> MediaStore: ...


@dataclass(frozen=True, slots=True)
class ResumedMultipart:
    upload: MultipartUpload
    uploaded_parts: list[UploadedPart]


async def resume_upload(
    ports: ResumePorts, video_id: str, user_id: str
) -> PresignedUpload | ResumedMultipart:
    video = await awaiting_upload(ports, video_id, user_id)
    if video.multipart_upload_id is None or video.part_size_bytes is None:
        single = await single_put_again(ports, video)
        await _extend(ports, video, single.expires_at, user_id)
        return single
    try:
        held = await ports.storage.uploaded_parts(video.source_key, video.multipart_upload_id)
    except MultipartRefused as exc:
        raise refusal(exc) from None
    upload = await part_urls_again(ports, video, video.multipart_upload_id, video.part_size_bytes)
    await _extend(ports, video, upload.expires_at, user_id)
    return ResumedMultipart(upload, held)


async def complete_upload(
    ports: ResumePorts, video_id: str, user_id: str, parts: list[tuple[int, str]]
) -> None:
    """Join `parts` (number, ETag), which must name the upload's parts in ascending order."""
    video = await awaiting_upload(ports, video_id, user_id)
    if video.multipart_upload_id is None or video.part_size_bytes is None:
        raise NotMultipart()
    part_count = -(-video.declared_size_bytes // video.part_size_bytes)
    errors = part_list_errors([number for number, _ in parts], part_count)
    if errors:
        raise InvalidParts(errors)
    if await ports.storage.exists(video.source_key):
        # S3 (and the emulator) accept a repeated complete and write the object again
        raise UploadFinished("the file has arrived")
    try:
        await _refuse_oversized_parts(ports, video, video.multipart_upload_id)
        await ports.storage.complete_multipart(video.source_key, video.multipart_upload_id, parts)
    except MultipartRefused as exc:
        raise refusal(exc) from None


async def _refuse_oversized_parts(ports: ResumePorts, video: Video, upload_id: str) -> None:
    """Abort the upload, and raise `PartTooLarge`, when a part S3 holds is larger than planned
    (its URL signed the planned size, but a part stored is storage spent: check, not trust)."""
    assert video.part_size_bytes is not None  # a multipart upload's record has it
    planned = planned_part_sizes(video.declared_size_bytes, video.part_size_bytes)
    held = await ports.storage.uploaded_parts(video.source_key, upload_id)
    oversized = oversized_parts(((p.part_number, p.size) for p in held), planned)
    if oversized:
        await ports.storage.abort_multipart(video.source_key, upload_id)
        raise PartTooLarge(
            f"Parts larger than planned ({'; '.join(oversized[:3])}): the upload was aborted. "
            "Send each part at exactly its planned size; create the video again to upload it."
        )


async def awaiting_upload(ports: ResumePorts, video_id: str, user_id: str) -> Video:
    """The caller's video, while it awaits its upload."""
    video = await owned_video(ports, video_id, user_id)
    if video.status is not VideoStatus.AWAITING_UPLOAD:
        raise UploadFinished(f"the video is {video.status.value}")
    return video


async def _extend(ports: ResumePorts, video: Video, expires_at: datetime, user_id: str) -> None:
    """Record the new expiry, so housekeeping does not abort an upload still going on (after
    `MAX_ATTEMPTS` conflicting writers, the URLs still go out: the old expiry stands)."""
    for _ in range(MAX_ATTEMPTS):
        try:
            await ports.videos.save(video.upload_extended(expires_at), expected=video)
        except VideoConflict:
            video = await awaiting_upload(ports, video.id, user_id)
        else:
            return


def refusal(exc: MultipartRefused) -> UploadFinished | PartsRefused:
    """S3's refusal as the domain's error (the module's table)."""
    if exc.code == "NoSuchUpload":
        return UploadFinished("it was completed or abandoned")
    s3 = f"(S3: {exc.message or exc.code})"
    if exc.code == "InvalidPart":
        return PartMismatch(
            "A part was not found, or its ETag is not the one S3 gave when it was uploaded; "
            "upload that part again (GET …/upload lists the parts S3 holds) and complete "
            f"again. {s3}"
        )
    if exc.code == "InvalidPartOrder":
        return PartsOutOfOrder(f"The parts must be listed in ascending order of part_number. {s3}")
    if exc.code == "EntityTooSmall":
        return PartTooSmall(
            f"Every part but the last must be part_size bytes; upload the short part again. {s3}"
        )
    return PartsRefused(f"S3 refused the part list. {s3}")
