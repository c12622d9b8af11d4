"""The media bucket seen from the ingress: presigned URLs only, the bytes never pass through us.

upload   a presigned PUT that signs Content-Type and Content-Length, so S3 refuses a body of
         another type or size than the one declared
download a presigned GET that makes the browser save the file (Content-Disposition:
         attachment, with an RFC 6266-safe filename)
media    a presigned GET for playback (renditions, poster)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

from videoshare.domain.events import utc_now

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

# The longest filename we put in a Content-Disposition header (the UTF-8 form may be longer).
MAX_FILENAME_CHARS = 150
_FALLBACK_FILENAME = "video"
# Characters kept as they are in the quoted ASCII `filename=` fallback.
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+,=-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """What a client needs to PUT the bytes: the URL, the headers to send, until when."""

    url: str
    headers: dict[str, str]
    expires_at: datetime


class MediaStorage:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    async def presign_upload(
        self, key: str, content_type: str, size_bytes: int, ttl_s: int
    ) -> PresignedUpload:
        """A single presigned PUT of exactly `size_bytes` bytes of `content_type`."""
        expires_at = utc_now() + timedelta(seconds=ttl_s)
        url = await self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size_bytes,
            },
            ExpiresIn=ttl_s,
            HttpMethod="PUT",
        )
        # Content-Length is signed too, but clients (browsers above all) set it themselves.
        return PresignedUpload(url, {"Content-Type": content_type}, expires_at)

    async def presign_download(self, key: str, filename: str, ttl_s: int) -> str:
        """A presigned GET that makes the browser save the object as `filename`."""
        return await self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": attachment_disposition(filename),
            },
            ExpiresIn=ttl_s,
        )

    async def presign_media(self, key: str, ttl_s: int) -> str:
        """A presigned GET for playing or showing the object (renditions, poster)."""
        return await self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=ttl_s
        )

    async def check(self) -> None:
        """Raise unless the bucket answers (for readiness)."""
        await self._s3.head_bucket(Bucket=self._bucket)


def safe_filename(name: str) -> str:
    """`name` without any folder, control characters or quotes, and not too long."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = _CONTROL.sub("", base).replace('"', "").strip(" .")
    if not cleaned:
        return _FALLBACK_FILENAME
    if len(cleaned) > MAX_FILENAME_CHARS:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            cleaned = f"{stem[: MAX_FILENAME_CHARS - len(suffix) - 1]}.{suffix}"
        else:
            cleaned = cleaned[:MAX_FILENAME_CHARS]
    return cleaned


def attachment_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` fallback and the exact UTF-8 `filename*` (RFC 6266)."""
    name = safe_filename(filename)
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    ascii_name = _ascii(stem) or _FALLBACK_FILENAME
    if ascii_suffix := _ascii(suffix):
        ascii_name = f"{ascii_name}.{ascii_suffix}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _ASCII_UNSAFE.sub("_", plain).strip(" ._")
