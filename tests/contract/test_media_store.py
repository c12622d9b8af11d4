"""`MediaStore` and `MediaUrlSigner`: the fakes (`FakeMediaStore`, `FakeMediaUrls`) and the
adapters on S3 (`MediaStorage`, `S3MediaUrls`, on the emulator) answer alike, to the store's
calls and to a client using the URLs they sign."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote

import aiohttp
import pytest

from tests.contract.conftest import Emulated, where_the_emulator_differs
from tests.fakes.storage import FakeMediaStore, FakeMediaUrls
from videoshare.adapters.media_urls import S3MediaUrls
from videoshare.adapters.storage import MediaStorage
from videoshare.domain.events import utc_now
from videoshare.domain.upload_plan import MIN_PART_BYTES
from videoshare.usecases.ports import MediaStore, MediaUrlSigner, MultipartRefused

TTL_S = 600


@dataclass(frozen=True)
class Bucket:
    store: MediaStore
    urls: MediaUrlSigner
    # What a client does with a signed URL: PUT bytes (S3's ETag back), GET them (and the
    # filename a browser would save them under, when the answer is an attachment).
    put: Callable[[str, bytes, dict[str, str]], Awaitable[str]]
    get: Callable[[str], Awaitable[tuple[bytes, str | None]]]


@pytest.fixture
async def bucket(backend: Emulated | None) -> AsyncIterator[Bucket]:
    if backend is None:
        fake = FakeMediaStore()

        async def fake_put(url: str, data: bytes, headers: dict[str, str]) -> str:
            return fake.receive(url, data, headers)

        async def fake_get(url: str) -> tuple[bytes, str | None]:
            return fake.fetch(url)

        yield Bucket(fake, FakeMediaUrls(), fake_put, fake_get)
        return
    name = f"{backend.settings.stack}-{uuid.uuid4().hex[:8]}"
    await backend.aws.s3.create_bucket(Bucket=name)
    async with aiohttp.ClientSession() as http:

        async def put(url: str, data: bytes, headers: dict[str, str]) -> str:
            async with http.put(url, data=io.BytesIO(data), headers=headers) as answer:
                assert answer.status == 200, await answer.text()
                return answer.headers["ETag"].strip('"')

        async def get(url: str) -> tuple[bytes, str | None]:
            async with http.get(url) as answer:
                assert answer.status == 200, await answer.text()
                disposition = answer.headers.get("Content-Disposition")
                return await answer.read(), _saved_as(disposition)

        yield Bucket(
            MediaStorage(backend.aws.s3, name), S3MediaUrls(backend.aws.s3, name), put, get
        )


def _saved_as(disposition: str | None) -> str | None:
    """The UTF-8 filename of an `attachment` disposition (RFC 6266 `filename*`)."""
    if disposition is None:
        return None
    for part in disposition.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "filename*":
            return unquote(value.removeprefix("UTF-8''"))
    return None


def _key() -> str:
    return f"uploads/{uuid.uuid4().hex}/source"


def _video_of(key: str) -> str:
    return key.split("/")[1]


async def test_a_signed_put_stores_exactly_what_it_signed(bucket: Bucket) -> None:
    key = _key()
    upload = await bucket.store.presign_upload(key, "video/mp4", 11, TTL_S)
    assert upload.headers == {"Content-Type": "video/mp4"}
    assert abs(upload.expires_at - (utc_now() + timedelta(seconds=TTL_S))) < timedelta(seconds=5)
    assert not await bucket.store.exists(key)
    await bucket.put(upload.url, b"hello video", upload.headers)
    assert await bucket.store.exists(key)
    assert await bucket.store.read_text(key, 100) == "hello video"


async def test_reading_what_is_not_there_or_too_large(bucket: Bucket) -> None:
    key = _key()
    assert await bucket.store.read_text(key, 100) is None
    upload = await bucket.store.presign_upload(key, "video/mp4", 11, TTL_S)
    await bucket.put(upload.url, b"hello video", upload.headers)
    with pytest.raises(ValueError, match="larger than 10 bytes"):
        await bucket.store.read_text(key, 10)


async def test_a_small_object_written_whole_is_read_back_and_deleted(bucket: Bucket) -> None:
    key = _key()
    await bucket.store.put(key, "WEBVTT\n\nété".encode(), "text/vtt")
    assert await bucket.store.read_text(key, 100) == "WEBVTT\n\nété"
    await bucket.store.put(key, b"WEBVTT\n", "text/vtt")  # replaced
    assert await bucket.store.read_text(key, 100) == "WEBVTT\n"
    await bucket.store.delete(key)
    assert await bucket.store.read_text(key, 100) is None
    await bucket.store.delete(key)  # gone already: done


async def test_a_download_url_saves_under_the_filename_and_a_media_url_plays(
    bucket: Bucket,
) -> None:
    key = _key()
    upload = await bucket.store.presign_upload(key, "video/mp4", 11, TTL_S)
    await bucket.put(upload.url, b"hello video", upload.headers)
    video_id = _video_of(key)
    download = await bucket.urls.download_url(video_id, key, "Sea trip, été 1.mov", TTL_S)
    assert await bucket.get(download) == (b"hello video", "Sea trip, été 1.mov")
    (media,) = await bucket.urls.media_urls(video_id, [key], TTL_S)
    assert await bucket.get(media) == (b"hello video", None)


@pytest.mark.parametrize(
    "key",
    [f"media/{'1' * 32}/720p.mp4", "media/x/720p.mp4", f"media/{'0' * 32}/../x", "other/key"],
)
async def test_no_url_is_signed_for_another_videos_object(bucket: Bucket, key: str) -> None:
    with pytest.raises(ValueError, match="is not an object of video"):
        await bucket.urls.media_urls("0" * 32, [key], TTL_S)
    with pytest.raises(ValueError, match="is not an object of video"):
        await bucket.urls.download_url("0" * 32, key, "x.mp4", TTL_S)


async def _two_parts(bucket: Bucket, key: str) -> tuple[str, list[tuple[int, str]], bytes]:
    upload_id = await bucket.store.start_multipart(key, "video/mp4")
    # both at least the smallest part S3 takes, so only the list can be at fault
    first, last = b"a" * MIN_PART_BYTES, b"b" * (MIN_PART_BYTES + 1)
    urls = await bucket.store.presign_parts(key, upload_id, [len(first), len(last)], TTL_S)
    assert len(urls) == 2
    etags = [await bucket.put(url, data, {}) for url, data in zip(urls, (first, last), strict=True)]
    return upload_id, [(1, etags[0]), (2, etags[1])], first + last


async def test_a_multipart_upload_lists_its_parts_and_joins_them(bucket: Bucket) -> None:
    key = _key()
    upload_id, parts, whole = await _two_parts(bucket, key)
    held = await bucket.store.uploaded_parts(key, upload_id)
    assert [(p.part_number, p.etag, p.size) for p in held] == [
        (1, parts[0][1], MIN_PART_BYTES),
        (2, parts[1][1], MIN_PART_BYTES + 1),
    ]
    await bucket.store.complete_multipart(key, upload_id, parts)
    assert await bucket.store.exists(key)
    (url,) = await bucket.urls.media_urls(_video_of(key), [key], TTL_S)
    assert (await bucket.get(url))[0] == whole
    with pytest.raises(MultipartRefused) as gone:  # completed: the upload is no more
        await bucket.store.uploaded_parts(key, upload_id)
    assert gone.value.code == "NoSuchUpload"


async def test_a_part_whose_etag_does_not_match_is_refused(bucket: Bucket) -> None:
    key = _key()
    upload_id, parts, _ = await _two_parts(bucket, key)
    with pytest.raises(MultipartRefused) as refused:
        await bucket.store.complete_multipart(key, upload_id, [parts[0], (2, "0" * 32)])
    assert refused.value.code == "InvalidPart"
    assert not await bucket.store.exists(key)
    assert len(await bucket.store.uploaded_parts(key, upload_id)) == 2  # it can go on


@where_the_emulator_differs("moto joins parts listed out of order (S3: InvalidPartOrder)")
async def test_parts_out_of_order_are_refused(bucket: Bucket) -> None:
    key = _key()
    upload_id, parts, _ = await _two_parts(bucket, key)
    with pytest.raises(MultipartRefused) as refused:
        await bucket.store.complete_multipart(key, upload_id, [parts[1], parts[0]])
    assert refused.value.code == "InvalidPartOrder"
    assert not await bucket.store.exists(key)


async def test_a_short_part_before_the_last_is_too_small(bucket: Bucket) -> None:
    key = _key()
    upload_id = await bucket.store.start_multipart(key, "video/mp4")
    urls = await bucket.store.presign_parts(key, upload_id, [1000, 1000], TTL_S)
    parts = [(n, await bucket.put(url, b"x" * 1000, {})) for n, url in enumerate(urls, start=1)]
    with pytest.raises(MultipartRefused) as refused:
        await bucket.store.complete_multipart(key, upload_id, parts)
    assert refused.value.code == "EntityTooSmall"


async def test_an_aborted_upload_holds_no_parts_and_aborting_again_is_done(
    bucket: Bucket,
) -> None:
    key = _key()
    upload_id, _, _ = await _two_parts(bucket, key)
    await bucket.store.abort_multipart(key, upload_id)
    with pytest.raises(MultipartRefused) as gone:
        await bucket.store.uploaded_parts(key, upload_id)
    assert gone.value.code == "NoSuchUpload"
    assert not await bucket.store.exists(key)
    await bucket.store.abort_multipart(key, upload_id)  # a repeat is no error


async def test_the_parts_of_an_upload_that_is_not_there_are_no_such_upload(
    bucket: Bucket,
) -> None:
    key = _key()
    await bucket.store.start_multipart(key, "video/mp4")
    with pytest.raises(MultipartRefused) as refused:
        await bucket.store.uploaded_parts(key, "not-an-upload")
    assert refused.value.code == "NoSuchUpload"


async def test_completing_an_upload_that_is_not_there_is_no_such_upload(bucket: Bucket) -> None:
    key = _key()
    await bucket.store.start_multipart(key, "video/mp4")
    with pytest.raises(MultipartRefused) as refused:
        await bucket.store.complete_multipart(key, "not-an-upload", [(1, "0" * 32)])
    assert refused.value.code == "NoSuchUpload"
