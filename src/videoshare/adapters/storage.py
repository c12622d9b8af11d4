"""The media bucket seen from the ingress: presigned uploads, and the bytes of renditions only
(what people read is signed by `adapters/media_urls.py`).

upload   a presigned PUT that signs Content-Type and Content-Length, so S3 refuses a body of
         another type or size than the one declared
parts    multipart uploads above the threshold: start, presigned UploadPart URLs (each signing
         its part's Content-Length), list, complete, abort
small    small objects read or written whole: playlists read, captions and posters written
ranges   the objects a rendition's file is made of, streamed through the ingress in chunks
         (`usecases/downloads.py`): sizes from one listing, each piece a ranged GET
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from botocore.exceptions import ClientError

from videoshare.adapters.media_objects import is_missing, raise_if_missing
from videoshare.domain.events import utc_now
from videoshare.usecases.ports import MultipartRefused, PresignedUpload, UploadedPart

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

STREAM_CHUNK: Final = 256 * 1024  # what the ingress holds of a streamed rendition at once


def _refusal(exc: ClientError) -> MultipartRefused | None:
    """The client's mistake S3 answered with, or None for anything else (an outage, …)."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    return MultipartRefused(code, str(error.get("Message", ""))) if code in REFUSALS else None


# What S3 answers to a part list or an upload id that does not fit (the client's doing).
REFUSALS = frozenset(
    {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "NoSuchUpload", "InvalidRequest"}
)


class MediaStorage:
    """The `MediaStore` port on S3; S3's refusals of a part list become `MultipartRefused`."""

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

    async def start_multipart(self, key: str, content_type: str) -> str:
        """A new multipart upload of `key`; its upload id."""
        answer = await self._s3.create_multipart_upload(
            Bucket=self._bucket, Key=key, ContentType=content_type
        )
        return answer["UploadId"]

    async def presign_parts(
        self, key: str, upload_id: str, part_sizes: list[int], ttl_s: int
    ) -> list[str]:
        """A presigned UploadPart URL for each part, signing its size (so S3 refuses a part of
        another size, and nobody stores 5 GiB a part on a plan of 16 MiB)."""
        return [
            await self._s3.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "UploadId": upload_id,
                    "PartNumber": number,
                    "ContentLength": size,
                },
                ExpiresIn=ttl_s,
                HttpMethod="PUT",
            )
            for number, size in enumerate(part_sizes, start=1)
        ]

    async def uploaded_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        """The parts S3 holds so far; `MultipartRefused` when the upload is gone."""
        parts: list[UploadedPart] = []
        marker = 0
        while True:
            try:
                answer = await self._s3.list_parts(
                    Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker
                )
            except ClientError as exc:
                if refused := _refusal(exc):
                    raise refused from exc
                raise
            parts += [
                UploadedPart(p["PartNumber"], p["ETag"].strip('"'), p["Size"])
                for p in answer.get("Parts", [])
            ]
            if not answer.get("IsTruncated"):
                return parts
            marker = int(answer.get("NextPartNumberMarker", 0))

    async def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str]]
    ) -> None:
        """Join the parts (number, ETag) into the object; `MultipartRefused` when S3 says no."""
        try:
            await self._s3.complete_multipart_upload(
                Bucket=self._bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [
                        {"PartNumber": number, "ETag": f'"{etag.strip(chr(34))}"'}
                        for number, etag in parts
                    ]
                },
            )
        except ClientError as exc:
            if refused := _refusal(exc):
                raise refused from exc
            raise

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop the upload and its parts; an upload already gone counts as dropped."""
        try:
            await self._s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
        except ClientError as exc:
            if (refused := _refusal(exc)) and refused.code == "NoSuchUpload":
                return
            raise

    async def exists(self, key: str) -> bool:
        try:
            await self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return False
            raise
        return True

    async def read_text(self, key: str, max_bytes: int) -> str | None:
        """A small text object (a playlist), or None when it does not exist."""
        raw = await self.read(key, max_bytes)
        return None if raw is None else raw.decode("utf-8", errors="replace")

    async def read(self, key: str, max_bytes: int) -> bytes | None:
        try:
            answer = await self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        async with answer["Body"] as body:
            raw = await body.read()
        if len(raw) > max_bytes:
            raise ValueError(f"{key} is larger than {max_bytes} bytes")
        return raw

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    async def delete(self, key: str) -> None:
        await self._s3.delete_object(Bucket=self._bucket, Key=key)  # S3: absent is no error

    async def object_sizes(self, prefix: str) -> dict[str, int]:
        sizes: dict[str, int] = {}
        paginator = self._s3.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            sizes.update((obj["Key"], obj["Size"]) for obj in page.get("Contents", []))
        return sizes

    async def read_range(self, key: str, start: int, stop: int) -> AsyncIterator[bytes]:
        if stop <= start:
            return
        try:
            answer = await self._s3.get_object(
                Bucket=self._bucket, Key=key, Range=f"bytes={start}-{stop - 1}"
            )
        except ClientError as exc:
            raise_if_missing(exc, key)
            raise
        body = answer["Body"]
        try:
            while chunk := await body.read(STREAM_CHUNK):
                yield chunk
        finally:
            body.close()

    async def check(self) -> None:
        """Raise unless the bucket answers (for readiness)."""
        await self._s3.head_bucket(Bucket=self._bucket)
