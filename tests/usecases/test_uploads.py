"""Resuming and completing uploads (`usecases/uploads.py`), with S3's refusals as the fake
media store gives them (`tests/contract/` holds it to S3's)."""

from __future__ import annotations

import pytest

from tests.usecases.support import MIB, FakePorts, created
from videoshare.domain.errors import (
    InvalidParts,
    NotMultipart,
    PartMismatch,
    PartsOutOfOrder,
    PartsRefused,
    PartTooLarge,
    PartTooSmall,
    UploadFinished,
    VideoNotFound,
)
from videoshare.domain.video import Video, Visibility
from videoshare.usecases.ports import MultipartRefused, PresignedUpload
from videoshare.usecases.uploads import (
    ResumedMultipart,
    complete_upload,
    refusal,
    resume_upload,
)
from videoshare.usecases.video_edits import delete_video

SIZE = 12 * MIB  # three parts of 5 MiB, the last 2 MiB
PLANNED = [5 * MIB, 5 * MIB, 2 * MIB]


async def _multipart(ports: FakePorts, visibility: Visibility = Visibility.PRIVATE) -> Video:
    return await created(ports, size_bytes=SIZE, visibility=visibility)


async def _send_part(ports: FakePorts, video: Video, number: int) -> str:
    """The client PUTs part `number`, its planned size, to its URL; S3's ETag of it."""
    assert video.multipart_upload_id is not None
    urls = await ports.storage.presign_parts(
        video.source_key, video.multipart_upload_id, PLANNED, 3600
    )
    return ports.storage.receive(urls[number - 1], bytes([number]) * PLANNED[number - 1], {})


def _store_part(ports: FakePorts, video: Video, number: int, size: int) -> str:
    """A part of `size` bytes held as if sent past its URL's signature (the emulator checks
    none); S3's ETag of it."""
    assert video.multipart_upload_id is not None
    return ports.storage.store_part(
        video.source_key, video.multipart_upload_id, number, bytes([number]) * size
    )


async def _send_all(ports: FakePorts, video: Video) -> list[tuple[int, str]]:
    return [(n, await _send_part(ports, video, n)) for n in range(1, len(PLANNED) + 1)]


async def test_a_single_put_resumes_with_a_fresh_url_and_a_later_expiry(
    ports: FakePorts,
) -> None:
    video = await created(ports)
    resumed = await resume_upload(ports, video.id, "alice")
    assert isinstance(resumed, PresignedUpload)
    stored = ports.videos.records[video.id]
    assert stored.upload_expires_at == resumed.expires_at
    assert stored.upload_expires_at >= video.upload_expires_at
    ports.storage.receive(resumed.url, b"x" * 11, resumed.headers)
    assert await ports.storage.exists(video.source_key)


async def test_a_multipart_upload_resumes_with_the_parts_held_so_far(ports: FakePorts) -> None:
    video = await _multipart(ports)
    etag = await _send_part(ports, video, 2)
    resumed = await resume_upload(ports, video.id, "alice")
    assert isinstance(resumed, ResumedMultipart)
    assert [(p.part_number, p.etag, p.size) for p in resumed.uploaded_parts] == [(2, etag, 5 * MIB)]
    assert (resumed.upload.upload_id, resumed.upload.part_size) == (
        video.multipart_upload_id,
        5 * MIB,
    )
    assert len(resumed.upload.part_urls) == 3
    assert ports.videos.records[video.id].upload_expires_at == resumed.upload.expires_at


async def test_a_complete_part_list_joins_the_parts(ports: FakePorts) -> None:
    video = await _multipart(ports)
    parts = await _send_all(ports, video)
    await complete_upload(ports, video.id, "alice", parts)
    assert len(ports.storage.objects[video.source_key]) == SIZE
    with pytest.raises(UploadFinished) as again:
        await complete_upload(ports, video.id, "alice", parts)
    assert again.value.detail == (
        "This video's upload is over (the file has arrived); create a new video to upload again."
    )


@pytest.mark.parametrize(
    ("numbers", "reasons"),
    [
        ([1, 2], ["parts missing: 3 (this upload has 3 parts)"]),
        ([2, 1, 3], ["part numbers must be in ascending order, each once"]),
        ([1, 2, 3, 4], ["this upload has 3 parts; there is no part 4"]),
    ],
)
async def test_a_part_list_that_does_not_name_the_parts_in_order_is_refused(
    ports: FakePorts, numbers: list[int], reasons: list[str]
) -> None:
    video = await _multipart(ports)
    with pytest.raises(InvalidParts) as refused:
        await complete_upload(ports, video.id, "alice", [(n, "etag") for n in numbers])
    assert (refused.value.field, refused.value.reasons) == ("parts", reasons)
    assert refused.value.detail == "; ".join(f"parts: {r}" for r in reasons)


async def test_a_part_s3_does_not_hold_as_listed_is_a_mismatch(ports: FakePorts) -> None:
    video = await _multipart(ports)
    parts = await _send_all(ports, video)
    parts[1] = (2, "0" * 32)
    with pytest.raises(PartMismatch) as refused:
        await complete_upload(ports, video.id, "alice", parts)
    assert refused.value.detail.startswith("A part was not found, or its ETag is not the one")
    assert refused.value.detail.endswith("(S3: One or more parts could not be found.)")


async def test_a_short_part_before_the_last_is_too_small(ports: FakePorts) -> None:
    video = await _multipart(ports)
    parts = await _send_all(ports, video)
    parts[0] = (1, _store_part(ports, video, 1, MIB))
    with pytest.raises(PartTooSmall):
        await complete_upload(ports, video.id, "alice", parts)


async def test_each_part_url_takes_exactly_its_planned_size(ports: FakePorts) -> None:
    video = await _multipart(ports)
    resumed = await resume_upload(ports, video.id, "alice")
    assert isinstance(resumed, ResumedMultipart)
    assert resumed.upload.part_sizes == PLANNED
    with pytest.raises(PermissionError):
        ports.storage.receive(resumed.upload.part_urls[2], b"x" * (5 * MIB), {})


@pytest.mark.parametrize(("number", "size"), [(1, 5 * MIB + 1), (3, 5 * MIB), (4, MIB)])
async def test_a_part_larger_than_planned_aborts_the_upload(
    ports: FakePorts, number: int, size: int
) -> None:
    video = await _multipart(ports)
    parts = await _send_all(ports, video)
    etag = _store_part(ports, video, number, size)
    parts = [(n, etag if n == number else e) for n, e in parts]
    with pytest.raises(PartTooLarge) as refused:
        await complete_upload(ports, video.id, "alice", parts)
    assert f"part {number} is {size:,} bytes" in refused.value.detail
    assert ports.storage.multipart == {}  # aborted: no part is kept
    assert not await ports.storage.exists(video.source_key)
    with pytest.raises(UploadFinished):
        await resume_upload(ports, video.id, "alice")


async def test_a_single_put_has_nothing_to_complete(ports: FakePorts) -> None:
    video = await created(ports)
    with pytest.raises(NotMultipart):
        await complete_upload(ports, video.id, "alice", [(1, "etag")])


async def test_an_abandoned_multipart_upload_is_finished(ports: FakePorts) -> None:
    video = await _multipart(ports)
    ports.storage.multipart.clear()  # housekeeping aborted it
    with pytest.raises(UploadFinished) as finished:
        await resume_upload(ports, video.id, "alice")
    assert "(it was completed or abandoned)" in finished.value.detail
    with pytest.raises(UploadFinished):
        await complete_upload(ports, video.id, "alice", [(1, "a"), (2, "b"), (3, "c")])


async def test_uploads_are_over_once_the_video_moved_on(ports: FakePorts) -> None:
    video = await _multipart(ports)
    await ports.videos.save(video.uploaded(), expected=video)
    with pytest.raises(UploadFinished) as finished:
        await resume_upload(ports, video.id, "alice")
    assert "(the video is uploaded)" in finished.value.detail
    await delete_video(ports, video.id, "alice", "req-1")
    with pytest.raises(VideoNotFound):
        await resume_upload(ports, video.id, "alice")


async def test_nobody_but_the_owner_learns_of_an_upload(ports: FakePorts) -> None:
    # a video awaiting its upload is its owner's alone to see, whatever its visibility
    for visibility in (Visibility.PRIVATE, Visibility.PUBLIC):
        video = await _multipart(ports, visibility=visibility)
        with pytest.raises(VideoNotFound):
            await resume_upload(ports, video.id, "bob")
        with pytest.raises(VideoNotFound):
            await complete_upload(ports, video.id, "bob", [(1, "a"), (2, "b"), (3, "c")])
        assert ports.videos.records[video.id] == video


@pytest.mark.parametrize(
    ("code", "error", "detail"),
    [
        ("InvalidPartOrder", PartsOutOfOrder, "The parts must be listed in ascending order"),
        ("EntityTooSmall", PartTooSmall, "Every part but the last must be part_size bytes"),
        ("InvalidRequest", PartsRefused, "S3 refused the part list."),
    ],
)
def test_s3_refusals_become_the_domains_errors(
    code: str, error: type[PartsRefused], detail: str
) -> None:
    found = refusal(MultipartRefused(code, "S3's words"))
    assert type(found) is error
    assert found.detail.startswith(detail)
    assert found.detail.endswith("(S3: S3's words)")
