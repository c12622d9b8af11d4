"""One suite, two object stores: `FakeObjectStore` (the fast tier's) and `MediaObjects` on the
emulator's S3 (marked `integration`). What the use cases rely on holds for both, so a fake that
drifts from the adapter fails here rather than in a use case's test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import pytest

from tests.fakes.objects import FakeObjectStore
from videoshare.adapters.media_objects import MediaObjects
from videoshare.aws import AwsClients
from videoshare.domain.errors import ObjectMissing, ObjectTooLarge
from videoshare.usecases.ports import ObjectStart, ObjectStore, SourceUnavailable


class Bucket(Protocol):
    """The store under test, and what a test arranges or looks at behind its back."""

    @property
    def store(self) -> ObjectStore: ...

    async def put(self, key: str, data: bytes) -> None: ...

    async def open_multipart(self, key: str) -> None: ...

    async def open_uploads(self, prefix: str) -> list[str]: ...

    async def content_type(self, key: str) -> str: ...


class FakeBucket:
    def __init__(self) -> None:
        self.fake = FakeObjectStore()

    @property
    def store(self) -> ObjectStore:
        return self.fake

    async def put(self, key: str, data: bytes) -> None:
        self.fake.put(key, data)

    async def open_multipart(self, key: str) -> None:
        self.fake.open_multipart(key)

    async def open_uploads(self, prefix: str) -> list[str]:
        return sorted(k for k in self.fake.open_uploads if k.startswith(prefix))

    async def content_type(self, key: str) -> str:
        return self.fake.objects[key].content_type


class RealBucket:
    def __init__(self, aws: AwsClients, name: str) -> None:
        self._s3 = aws.s3
        self._name = name
        self.media = MediaObjects(aws.s3, name)

    @property
    def store(self) -> ObjectStore:
        return self.media

    async def put(self, key: str, data: bytes) -> None:
        await self._s3.put_object(Bucket=self._name, Key=key, Body=data)

    async def open_multipart(self, key: str) -> None:
        await self._s3.create_multipart_upload(Bucket=self._name, Key=key)

    async def open_uploads(self, prefix: str) -> list[str]:
        answer = await self._s3.list_multipart_uploads(Bucket=self._name, Prefix=prefix)
        return sorted(u["Key"] for u in answer.get("Uploads", []))

    async def content_type(self, key: str) -> str:
        return (await self._s3.head_object(Bucket=self._name, Key=key))["ContentType"]


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.integration)])
def clients(request: pytest.FixtureRequest) -> AwsClients | None:
    """None for the fake; the emulator's clients for the real store."""
    if request.param == "fake":
        return None
    aws: AwsClients = request.getfixturevalue("aws")
    return aws


@pytest.fixture
async def bucket(clients: AwsClients | None) -> Bucket:
    if clients is None:
        return FakeBucket()
    name = f"contract-{uuid.uuid4().hex}"  # a fresh bucket per test
    await clients.s3.create_bucket(Bucket=name)
    return RealBucket(clients, name)


DATA = bytes(range(256)) * 4  # 1 KiB, every byte value


async def test_the_start_of_an_object_is_its_whole_size_and_its_first_bytes(
    bucket: Bucket,
) -> None:
    await bucket.put("uploads/a/source", DATA)

    assert await bucket.store.read_start("uploads/a/source", 64) == ObjectStart(1024, DATA[:64])
    assert await bucket.store.read_start("uploads/a/source", 4096) == ObjectStart(1024, DATA)


async def test_an_empty_object_starts_with_nothing(bucket: Bucket) -> None:
    await bucket.put("uploads/empty/source", b"")

    assert await bucket.store.read_start("uploads/empty/source", 64) == ObjectStart(0, b"")


async def test_an_absent_object_is_missing_whichever_call_looks_for_it(
    bucket: Bucket, tmp_path: Path
) -> None:
    with pytest.raises(ObjectMissing) as read:
        await bucket.store.read_start("uploads/none/source", 64)
    with pytest.raises(ObjectMissing) as fetched:
        await bucket.store.download("uploads/none/source", tmp_path / "source")

    assert read.value.key == fetched.value.key == "uploads/none/source"
    assert not (tmp_path / "source").exists()
    assert await bucket.store.exists("uploads/none/source") is False


async def test_a_download_writes_the_whole_object_up_to_the_cap_and_refuses_more(
    bucket: Bucket, tmp_path: Path
) -> None:
    await bucket.put("uploads/b/source", DATA)

    size = await bucket.store.download("uploads/b/source", tmp_path / "whole", max_bytes=1024)
    with pytest.raises(ObjectTooLarge) as refused:
        await bucket.store.download("uploads/b/source", tmp_path / "capped", max_bytes=1023)

    assert (size, (tmp_path / "whole").read_bytes()) == (1024, DATA)
    assert (refused.value.size, refused.value.max_bytes) == (1024, 1023)
    assert not (tmp_path / "capped").exists()  # nothing written


async def test_an_uploaded_file_is_there_with_the_content_type_given(
    bucket: Bucket, tmp_path: Path
) -> None:
    source = tmp_path / "240p.mp4"
    source.write_bytes(DATA)

    await bucket.store.upload(source, "media/c/240p.mp4", content_type="video/mp4")

    assert await bucket.store.exists("media/c/240p.mp4") is True
    assert await bucket.store.read_start("media/c/240p.mp4", 2048) == ObjectStart(1024, DATA)
    assert await bucket.content_type("media/c/240p.mp4") == "video/mp4"


async def test_keys_are_listed_under_their_prefix_only_in_key_order(bucket: Bucket) -> None:
    for key in ["media/d/poster.jpg", "media/d/hls/master.m3u8", "media/dd/x", "uploads/d/source"]:
        await bucket.put(key, b"x")

    assert await bucket.store.list_keys("media/d/") == [
        "media/d/hls/master.m3u8",
        "media/d/poster.jpg",
    ]
    assert await bucket.store.list_keys("media/nothing/") == []


async def test_deleting_removes_those_keys_only_and_absent_ones_are_no_error(
    bucket: Bucket,
) -> None:
    for key in ["media/e/a", "media/e/b", "media/e/c"]:
        await bucket.put(key, b"x")

    await bucket.store.delete(["media/e/a", "media/e/c", "media/e/never-there"])
    await bucket.store.delete([])

    assert await bucket.store.list_keys("media/e/") == ["media/e/b"]


async def test_open_multipart_uploads_under_a_prefix_are_aborted_and_counted(
    bucket: Bucket,
) -> None:
    await bucket.open_multipart("uploads/f/source")
    await bucket.open_multipart("uploads/f/source")  # the client started over
    await bucket.open_multipart("uploads/g/source")

    assert await bucket.store.abort_uploads("uploads/f/") == 2
    assert await bucket.store.abort_uploads("uploads/f/") == 0

    assert await bucket.open_uploads("uploads/f/") == []
    assert await bucket.open_uploads("uploads/g/") == ["uploads/g/source"]


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_stream_appears_whole_only_once_it_completes(bucket: Bucket) -> None:
    seen: list[tuple[int, bool]] = []

    async def before_complete(size: int) -> None:
        seen.append((size, await bucket.store.exists("uploads/s/source")))

    size = await bucket.store.put_stream(
        "uploads/s/source",
        _chunks(DATA[:300], DATA[300:]),
        content_type="video/webm",
        before_complete=before_complete,
    )

    assert size == 1024
    assert seen == [(1024, False)]  # told the size before the object appeared
    assert await bucket.store.read_start("uploads/s/source", 4096) == ObjectStart(1024, DATA)
    assert await bucket.content_type("uploads/s/source") == "video/webm"
    assert await bucket.open_uploads("uploads/s/") == []


async def test_a_stream_that_fails_leaves_no_object_and_no_open_upload(bucket: Bucket) -> None:
    async def refused(size: int) -> None:
        raise SourceUnavailable("over_quota", "no room")

    with pytest.raises(SourceUnavailable):
        await bucket.store.put_stream(
            "uploads/f/source", _chunks(DATA), content_type="video/mp4", before_complete=refused
        )

    assert await bucket.store.exists("uploads/f/source") is False
    assert await bucket.open_uploads("uploads/f/") == []
