"""The Upload a client gets: a presigned PUT up to `multipart_threshold_bytes`, above it a new
multipart upload with a presigned UploadPart URL per part (see `api/uploads.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from videoshare.adapters.storage import PresignedUpload
from videoshare.bootstrap import Dependencies
from videoshare.domain.events import utc_now
from videoshare.domain.upload_plan import plan_parts
from videoshare.entrypoints.http.schemas import MultipartUploadOut, PartUrlOut, UploadOut


@dataclass(frozen=True, slots=True)
class MultipartUpload:
    upload_id: str
    part_size: int
    part_urls: list[str]
    expires_at: datetime


Upload = PresignedUpload | MultipartUpload


async def start_upload(svc: Dependencies, key: str, content_type: str, size_bytes: int) -> Upload:
    """The Upload of a new video: a single PUT, or a new multipart upload above the threshold."""
    settings = svc.settings
    ttl = settings.upload_url_ttl_s
    if size_bytes <= settings.multipart_threshold_bytes:
        return await svc.storage.presign_upload(key, content_type, size_bytes, ttl)
    plan = plan_parts(size_bytes, settings.multipart_part_size_bytes)
    upload_id = await svc.storage.start_multipart(key, content_type)
    urls = await svc.storage.presign_parts(key, upload_id, plan.part_count, ttl)
    return MultipartUpload(upload_id, plan.part_size, urls, utc_now() + timedelta(seconds=ttl))


def upload_out(upload: Upload) -> UploadOut | MultipartUploadOut:
    if isinstance(upload, PresignedUpload):
        return UploadOut(url=upload.url, headers=upload.headers, expires_at=upload.expires_at)
    return MultipartUploadOut(
        upload_id=upload.upload_id,
        part_size=upload.part_size,
        parts=part_urls(upload),
        expires_at=upload.expires_at,
    )


def part_urls(upload: MultipartUpload) -> list[PartUrlOut]:
    return [PartUrlOut(part_number=n, url=u) for n, u in enumerate(upload.part_urls, start=1)]
