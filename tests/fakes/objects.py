"""`ObjectStore` in memory: objects by key with their content type, open multipart uploads, and
a record of the listings asked for (a use case that must not list can be seen not to)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from videoshare.domain.errors import ObjectMissing, ObjectTooLarge
from videoshare.usecases.ports import ObjectStart


@dataclass(frozen=True, slots=True)
class StoredObject:
    data: bytes
    content_type: str


class FakeObjectStore:
    def __init__(self, bucket: str = "media-bucket") -> None:
        self.bucket = bucket
        self.objects: dict[str, StoredObject] = {}
        self.open_uploads: list[str] = []  # the keys of multipart uploads not yet finished
        self.listed: list[str] = []  # the prefixes `list_keys` was asked for, in order
        self.uploaded: list[str] = []  # every key `upload` put, in order (repeats too)

    # --- what a test arranges -------------------------------------------------------------

    def put(self, key: str, data: bytes, content_type: str = "binary/octet-stream") -> None:
        self.objects[key] = StoredObject(data, content_type)

    def open_multipart(self, key: str) -> None:
        self.open_uploads.append(key)

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    # --- the port ---------------------------------------------------------------------------

    async def read_start(self, key: str, count: int) -> ObjectStart:
        data = self._get(key).data
        return ObjectStart(len(data), data[:count])

    async def download(self, key: str, path: Path, *, max_bytes: int | None = None) -> int:
        data = self._get(key).data
        if max_bytes is not None and len(data) > max_bytes:
            raise ObjectTooLarge(key, len(data), max_bytes)
        path.write_bytes(data)
        return len(data)

    async def upload(self, path: Path, key: str, *, content_type: str) -> None:
        self.objects[key] = StoredObject(path.read_bytes(), content_type)
        self.uploaded.append(key)

    async def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)

    async def list_keys(self, prefix: str) -> list[str]:
        self.listed.append(prefix)
        return self.keys(prefix)

    async def abort_uploads(self, prefix: str) -> int:
        aborted = [key for key in self.open_uploads if key.startswith(prefix)]
        self.open_uploads = [key for key in self.open_uploads if not key.startswith(prefix)]
        return len(aborted)

    async def exists(self, key: str) -> bool:
        return key in self.objects

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str,
        before_complete: Callable[[int], Awaitable[None]],
    ) -> int:
        """As S3's multipart upload: nothing at `key` until it completes, nothing open after."""
        self.open_uploads.append(key)
        try:
            data = b"".join([chunk async for chunk in chunks])
            await before_complete(len(data))
        finally:
            self.open_uploads.remove(key)
        self.objects[key] = StoredObject(data, content_type)
        return len(data)

    def _get(self, key: str) -> StoredObject:
        try:
            return self.objects[key]
        except KeyError:
            raise ObjectMissing(key) from None
