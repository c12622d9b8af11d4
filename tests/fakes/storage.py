"""`MediaStore` in memory: objects, multipart uploads with S3's refusals, and presigned URLs
that only this fake understands (`receive` and `fetch` play the client that uses them);
`MediaUrlSigner` beside it, signing GETs of the same fake bucket."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

from videoshare.domain import keys
from videoshare.domain.errors import ObjectMissing
from videoshare.domain.events import utc_now
from videoshare.domain.filenames import safe_filename
from videoshare.domain.upload_plan import MIN_PART_BYTES
from videoshare.usecases.ports import MultipartRefused, PresignedUpload, UploadedPart

BASE = "https://fake-bucket.invalid/"
CHUNK = 1000


@dataclass
class _Multipart:
    key: str
    content_type: str
    parts: dict[int, bytes] = field(default_factory=dict)


def _etag(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class FakeMediaStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.content_types: dict[str, str] = {}
        self.multipart: dict[str, _Multipart] = {}

    async def presign_upload(
        self, key: str, content_type: str, size_bytes: int, ttl_s: int
    ) -> PresignedUpload:
        url = f"{BASE}{quote(key)}?op=put&size={size_bytes}&type={quote(content_type)}"
        return PresignedUpload(
            url, {"Content-Type": content_type}, utc_now() + timedelta(seconds=ttl_s)
        )

    async def start_multipart(self, key: str, content_type: str) -> str:
        upload_id = uuid.uuid4().hex
        self.multipart[upload_id] = _Multipart(key, content_type)
        return upload_id

    async def presign_parts(
        self, key: str, upload_id: str, part_sizes: list[int], ttl_s: int
    ) -> list[str]:
        return [
            f"{BASE}{quote(key)}?op=part&upload={upload_id}&part={n}&size={size}"
            for n, size in enumerate(part_sizes, start=1)
        ]

    async def uploaded_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        upload = self._upload(key, upload_id)
        return [UploadedPart(n, _etag(data), len(data)) for n, data in sorted(upload.parts.items())]

    async def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str]]
    ) -> None:
        upload = self._upload(key, upload_id)
        numbers = [n for n, _ in parts]
        if numbers != sorted(set(numbers)):
            raise MultipartRefused("InvalidPartOrder", "The parts are not in ascending order.")
        for number, etag in parts:
            held = upload.parts.get(number)
            if held is None or _etag(held) != etag.strip('"'):
                raise MultipartRefused("InvalidPart", "One or more parts could not be found.")
        if any(len(upload.parts[n]) < MIN_PART_BYTES for n in numbers[:-1]):
            raise MultipartRefused("EntityTooSmall", "Your proposed upload is too small.")
        self.objects[key] = b"".join(upload.parts[n] for n in numbers)
        del self.multipart[upload_id]

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        upload = self.multipart.get(upload_id)
        if upload is not None and upload.key == key:
            del self.multipart[upload_id]

    async def exists(self, key: str) -> bool:
        return key in self.objects

    async def read_text(self, key: str, max_bytes: int) -> str | None:
        raw = await self.read(key, max_bytes)
        return None if raw is None else raw.decode("utf-8", errors="replace")

    async def read(self, key: str, max_bytes: int) -> bytes | None:
        raw = self.objects.get(key)
        if raw is not None and len(raw) > max_bytes:
            raise ValueError(f"{key} is larger than {max_bytes} bytes")
        return raw

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = bytes(data)
        self.content_types[key] = content_type

    async def delete(self, key: str) -> None:
        self.objects.pop(key, None)
        self.content_types.pop(key, None)

    async def object_sizes(self, prefix: str) -> dict[str, int]:
        return {k: len(v) for k, v in sorted(self.objects.items()) if k.startswith(prefix)}

    async def read_range(self, key: str, start: int, stop: int) -> AsyncIterator[bytes]:
        data = self.objects.get(key)
        if data is None:
            raise ObjectMissing(key, f"there is no object at {key}")
        for at in range(start, stop, CHUNK):  # in chunks, as the real one streams
            yield data[at : min(stop, at + CHUNK)]

    def _upload(self, key: str, upload_id: str) -> _Multipart:
        upload = self.multipart.get(upload_id)
        if upload is None or upload.key != key:
            raise MultipartRefused("NoSuchUpload", "The specified upload does not exist.")
        return upload

    # --- what a client does with the URLs ------------------------------------------------------
    def receive(self, url: str, data: bytes, headers: dict[str, str]) -> str:
        """A PUT of `data` to a URL of this fake, as S3 would take it; the part's ETag."""
        key, query = _parse(url)
        if query["op"] == "put":
            if int(query["size"]) != len(data) or headers.get("Content-Type") != query["type"]:
                raise PermissionError("the signature does not match the body sent")
            self.objects[key] = data
        else:
            if int(query["size"]) != len(data):
                raise PermissionError("the signature does not match the body sent")
            self._upload(key, query["upload"]).parts[int(query["part"])] = data
        return _etag(data)

    def store_part(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        """A part as S3 would hold it had a client sent it without a URL's signature (the
        emulator checks none): what the use cases must not trust."""
        self._upload(key, upload_id).parts[number] = data
        return _etag(data)

    def fetch(self, url: str) -> tuple[bytes, str | None]:
        """A GET of a URL of this fake: the bytes, and the attachment filename when it saves."""
        key, query = _parse(url)
        return self.objects[key], query.get("filename")


class FakeMediaUrls:
    """`MediaUrlSigner`: GET URLs of `FakeMediaStore`'s bucket (its `fetch` reads them)."""

    async def media_urls(self, video_id: str, keys_: Sequence[str], ttl_s: int) -> list[str]:
        for key in keys_:
            keys.video_prefix_of(video_id, key)
        return [f"{BASE}{quote(key)}?op=get" for key in keys_]

    async def download_url(self, video_id: str, key: str, filename: str, ttl_s: int) -> str:
        keys.video_prefix_of(video_id, key)
        return f"{BASE}{quote(key)}?op=get&filename={quote(safe_filename(filename))}"


def _parse(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    if not url.startswith(BASE):
        raise ValueError(f"{url} is not a URL of this fake")
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return unquote(parts.path.removeprefix("/")), query
