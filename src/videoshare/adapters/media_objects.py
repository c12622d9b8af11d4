"""The media bucket's objects, as the workers read and write them (`usecases.ports.ObjectStore`).

    objects = MediaObjects(s3, bucket)
    start = await objects.read_start(key, 64)             # size and first bytes: one ranged GET
    await objects.download(key, path, max_bytes=cap)      # streamed to disk, refused when larger
    await objects.upload(path, key, content_type="video/mp4")   # multipart when large
    await objects.delete(keys)                            # DeleteObjects, 1000 keys a request
    await objects.list_keys(prefix)
    await objects.abort_uploads(prefix)                   # multipart uploads still open there
    await objects.exists(key)

An absent object is `ObjectMissing` whichever call finds it, recognised in one place
(`_is_missing`). The ingress's presigned URLs are `adapters/storage.py`'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from videoshare.domain.errors import ObjectMissing, ObjectTooLarge
from videoshare.usecases.ports import ObjectStart

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import GetObjectOutputTypeDef

DELETE_BATCH: Final = 1000  # S3's limit per DeleteObjects
DOWNLOAD_CHUNK: Final = 1024 * 1024
# An imported source is sent in parts of this size (S3 takes 5 MiB at least, but the last).
STREAM_PART_BYTES: Final = 8 * 1024 * 1024
# Multipart above 16 MiB, in 8 MiB parts, two in flight and two read ahead per file: at most
# ~32 MiB of a file in memory; a smaller file is read whole (the transcoder's byte budget,
# `usecases/transcode_outputs.py`, counts a large file as those ~32 MiB).
TRANSFER: Final = TransferConfig(
    multipart_threshold=16 * 1024**2,
    multipart_chunksize=8 * 1024**2,
    max_concurrency=2,
    max_io_queue=2,
)
_MISSING_CODES: Final = frozenset({"404", "NoSuchKey", "NotFound"})


class DeleteRefused(Exception):
    """S3 answered a DeleteObjects with errors for some keys."""


class MediaObjects:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    async def read_start(self, key: str, count: int) -> ObjectStart:
        """The size and first `count` bytes from one ranged GET (no HEAD first: each request
        is a hop on the way to `ready`)."""
        try:
            obj = await self._s3.get_object(
                Bucket=self._bucket, Key=key, Range=f"bytes=0-{count - 1}"
            )
        except ClientError as exc:
            raise_if_missing(exc, key)
            if _code(exc) != "InvalidRange":
                raise
            # a range from byte 0 is unsatisfiable only for an empty object
            return ObjectStart(0, b"")
        async with obj["Body"] as body:
            first_bytes = await body.read()
        return ObjectStart(object_size(obj), first_bytes)

    async def download(self, key: str, path: Path, *, max_bytes: int | None = None) -> int:
        """Stream the object to `path` in chunks: never the whole file in memory (nor on disk
        when it is larger than `max_bytes`)."""
        try:
            obj = await self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            raise_if_missing(exc, key)
            raise
        body, size = obj["Body"], obj["ContentLength"]
        if max_bytes is not None and size > max_bytes:
            body.close()
            raise ObjectTooLarge(key, size, max_bytes)
        out = await _open_to_write(path)
        try:
            while chunk := await body.read(DOWNLOAD_CHUNK):
                await asyncio.to_thread(out.write, chunk)
        finally:
            out.close()
            body.close()
        return size

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str,
        before_complete: Callable[[int], Awaitable[None]],
    ) -> int:
        """A multipart upload fed from `chunks`, one part in memory at a time
        (`STREAM_PART_BYTES`); aborted when anything raises, so no object appears."""
        started = await self._s3.create_multipart_upload(
            Bucket=self._bucket, Key=key, ContentType=content_type
        )
        upload_id = started["UploadId"]
        parts: list[dict[str, object]] = []
        size = 0
        pending = bytearray()
        try:
            async for chunk in chunks:
                pending += chunk
                size += len(chunk)
                while len(pending) >= STREAM_PART_BYTES:
                    await self._put_part(key, upload_id, parts, bytes(pending[:STREAM_PART_BYTES]))
                    del pending[:STREAM_PART_BYTES]
            if pending or not parts:
                await self._put_part(key, upload_id, parts, bytes(pending))
            await before_complete(size)
            await self._s3.complete_multipart_upload(
                Bucket=self._bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
            )
        except BaseException:
            await self._s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
            raise
        return size

    async def _put_part(
        self, key: str, upload_id: str, parts: list[dict[str, object]], data: bytes
    ) -> None:
        number = len(parts) + 1
        answer = await self._s3.upload_part(
            Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    async def upload(self, path: Path, key: str, *, content_type: str) -> None:
        await self._s3.upload_file(
            str(path),
            self._bucket,
            key,
            ExtraArgs={"ContentType": content_type},
            Config=TRANSFER,
        )

    async def delete(self, keys: Sequence[str]) -> None:
        for batch in batches(keys, DELETE_BATCH):
            answer = await self._s3.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            if errors := answer.get("Errors"):
                raise DeleteRefused(f"S3 refused to delete {len(errors)} objects: {errors[:3]}")

    async def list_keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            found += [obj["Key"] for obj in page.get("Contents", [])]
        return found

    async def abort_uploads(self, prefix: str) -> int:
        aborted = 0
        paginator = self._s3.get_paginator("list_multipart_uploads")
        async for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            for upload in page.get("Uploads", []):
                try:
                    await self._s3.abort_multipart_upload(
                        Bucket=self._bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                except ClientError as exc:
                    if _code(exc) != "NoSuchUpload":
                        raise
                    continue  # aborted (or completed) meanwhile: what we wanted
                aborted += 1
        return aborted

    async def exists(self, key: str) -> bool:
        try:
            await self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return False
            raise
        return True


def object_size(ranged_get: GetObjectOutputTypeDef) -> int:
    """The whole object's size from a ranged GET: `Content-Range: bytes 0-1023/5000`, or, when
    the range covered the whole object and S3 answered it in full, the length returned."""
    content_range = ranged_get.get("ContentRange")
    if content_range:
        return int(content_range.rsplit("/", 1)[1])
    return ranged_get["ContentLength"]


def batches(keys: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """`keys` in consecutive slices of at most `size`."""
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_missing(exc: ClientError) -> bool:
    """The one not-found check of the media bucket (this adapter's and `storage.py`'s): GET
    says NoSuchKey, HEAD a bare 404."""
    return _code(exc) in _MISSING_CODES


def raise_if_missing(exc: ClientError, key: str) -> None:
    if is_missing(exc):
        # S3's own words kept: they are what a dead-lettered message's `error` shows
        raise ObjectMissing(key, f"there is no object at {key} (S3: {_code(exc)})") from exc


async def _open_to_write(path: Path) -> BinaryIO:
    """`path` opened to write, in a thread; closed again when the caller is cancelled while the
    thread opens it (the transcoder abandons a fetch when the video needs no transcode)."""
    opening = asyncio.ensure_future(asyncio.to_thread(_open_binary, path))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_close_opened)
        raise


def _open_binary(path: Path) -> BinaryIO:
    return path.open("wb")


def _close_opened(opening: asyncio.Future[BinaryIO]) -> None:
    if opening.exception() is None:
        opening.result().close()
