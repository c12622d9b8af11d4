"""The Upload a client gets: a presigned PUT up to `multipart_threshold_bytes`, above it a
multipart upload with a presigned UploadPart URL per part (`usecases/uploads.py` resumes and
completes them).

    upload = await start_upload(ports, key, "video/mp4", size_bytes)    # a new video's
    single = await single_put_again(ports, video)                        # resumed: one PUT
    upload = await part_urls_again(ports, video, upload_id, part_size)   # resumed: multipart
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from videoshare.domain.events import utc_now
from videoshare.domain.upload_plan import plan_parts, planned_part_sizes
from videoshare.domain.video import Video
from videoshare.settings import Settings
from videoshare.usecases.ports import MediaStore, PresignedUpload


class UploadPorts(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def storage(self) -> MediaStore: ...


@dataclass(frozen=True, slots=True)
class MultipartUpload:
    upload_id: str
    part_size: int
    part_urls: list[str]
    part_sizes: list[int]  # each part's exact size, as its URL signs it: the last is smaller
    expires_at: datetime


Upload = PresignedUpload | MultipartUpload


async def start_upload(ports: UploadPorts, key: str, content_type: str, size_bytes: int) -> Upload:
    """The Upload of a new video: a single PUT, or a new multipart upload above the threshold."""
    settings = ports.settings
    ttl = settings.upload_url_ttl_s
    if size_bytes <= settings.multipart_threshold_bytes:
        return await ports.storage.presign_upload(key, content_type, size_bytes, ttl)
    plan = plan_parts(size_bytes, settings.multipart_part_size_bytes)
    upload_id = await ports.storage.start_multipart(key, content_type)
    sizes = planned_part_sizes(size_bytes, plan.part_size)
    urls = await ports.storage.presign_parts(key, upload_id, sizes, ttl)
    return MultipartUpload(
        upload_id, plan.part_size, urls, sizes, utc_now() + timedelta(seconds=ttl)
    )


async def single_put_again(ports: UploadPorts, video: Video) -> PresignedUpload:
    """A fresh PUT URL for a video uploaded in one request."""
    return await ports.storage.presign_upload(
        video.source_key,
        video.content_type,
        video.declared_size_bytes,
        ports.settings.upload_url_ttl_s,
    )


async def part_urls_again(
    ports: UploadPorts, video: Video, upload_id: str, part_size: int
) -> MultipartUpload:
    """Fresh part URLs for the video's multipart upload `upload_id`."""
    ttl = ports.settings.upload_url_ttl_s
    sizes = planned_part_sizes(video.declared_size_bytes, part_size)
    urls = await ports.storage.presign_parts(video.source_key, upload_id, sizes, ttl)
    return MultipartUpload(upload_id, part_size, urls, sizes, utc_now() + timedelta(seconds=ttl))
