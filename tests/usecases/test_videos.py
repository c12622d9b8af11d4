"""Creating, reading and listing videos (`usecases/videos.py`), against the fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.usecases.support import (
    MIB,
    NOON,
    FakePorts,
    created,
    fixed_settings,
    made_ready,
    new_video,
)
from videoshare.domain.errors import (
    BadCursor,
    NotAVideo,
    StorageQuotaExceeded,
    TooManyRequests,
    UploadTooLarge,
    VideoNotFound,
)
from videoshare.domain.events import VideoCreated
from videoshare.domain.video import VideoStatus, Visibility
from videoshare.usecases.limits import DAY_S
from videoshare.usecases.ports import PresignedUpload
from videoshare.usecases.upload_urls import MultipartUpload
from videoshare.usecases.video_edits import delete_video
from videoshare.usecases.videos import create_video, list_mine, list_public, readable_video


async def test_a_new_video_awaits_a_single_put_and_is_announced(ports: FakePorts) -> None:
    new = new_video(content_type="video/mp4; codecs=avc1", filename='../we"ird.mp4')
    video, upload = await create_video(ports, "alice", new, "req-42", NOON)

    assert ports.videos.records[video.id] == video
    assert video.status is VideoStatus.AWAITING_UPLOAD
    assert (video.owner_id, video.content_type, video.filename) == (
        "alice",
        "video/mp4",
        "weird.mp4",
    )
    assert video.multipart_upload_id is None
    assert isinstance(upload, PresignedUpload)
    assert upload.headers == {"Content-Type": "video/mp4"}
    assert video.upload_expires_at == upload.expires_at
    ports.storage.receive(upload.url, b"x" * 11, upload.headers)
    assert await ports.storage.exists(video.source_key)

    [event] = ports.publisher.published
    assert isinstance(event, VideoCreated)
    assert (event.correlation_id, event.producer) == ("req-42", "ingress")
    assert (event.data.video_id, event.data.declared_size_bytes) == (video.id, 11)


async def test_a_new_video_keeps_its_owners_display_name(ports: FakePorts) -> None:
    named, _ = await create_video(
        ports, "alice", new_video(), "req-1", NOON, owner_display_name="Alice A."
    )
    unnamed, _ = await create_video(ports, "bob", new_video(), "req-2", NOON)
    assert ports.videos.records[named.id].owner_display_name == "Alice A."
    assert ports.videos.records[unnamed.id].owner_display_name is None


async def test_a_large_video_gets_a_multipart_upload(ports: FakePorts) -> None:
    video, upload = await create_video(
        ports, "alice", new_video(size_bytes=12 * MIB), "req-1", NOON
    )
    assert isinstance(upload, MultipartUpload)
    assert (upload.part_size, len(upload.part_urls)) == (5 * MIB, 3)
    assert video.multipart_upload_id == upload.upload_id
    assert video.part_size_bytes == 5 * MIB
    assert await ports.storage.uploaded_parts(video.source_key, upload.upload_id) == []


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"content_type": "text/plain"}, "content_type", "must be a video/* type"),
        ({"content_type": "video/"}, "content_type", "must be a video/* type"),
        ({"filename": "holiday.exe"}, "filename", "must end in a video extension"),
        ({"filename": "holiday"}, "filename", "must end in a video extension"),
    ],
)
async def test_what_is_not_a_video_is_refused_before_anything_counts(
    ports: FakePorts, overrides: dict[str, str], field: str, reason: str
) -> None:
    with pytest.raises(NotAVideo) as refused:
        await create_video(ports, "alice", new_video(**overrides), "req-1", NOON)
    assert (refused.value.field, refused.value.reasons) == (field, [reason])
    assert ports.videos.records == {}
    assert ports.publisher.published == []
    assert ports.counters.counts == {}


async def test_a_video_over_the_size_limit_is_refused_with_the_limit() -> None:
    ports = FakePorts(settings=fixed_settings(max_upload_bytes=1000))
    with pytest.raises(UploadTooLarge) as refused:
        await create_video(ports, "alice", new_video(size_bytes=1001), "req-1", NOON)
    assert refused.value.detail == (
        "The video is 1001 bytes; this service takes at most 1000 bytes."
    )
    assert refused.value.reasons == ["must be at most 1000"]
    assert ports.counters.counts == {}


async def test_storage_over_the_quota_is_refused_and_not_counted() -> None:
    ports = FakePorts(settings=fixed_settings(storage_quota_bytes=100))
    await created(ports, size_bytes=60)
    with pytest.raises(StorageQuotaExceeded) as refused:
        await created(ports, size_bytes=50)
    assert refused.value.reasons == ["over the storage quota"]
    assert "would take your storage to 110 bytes" in refused.value.detail
    assert len(ports.videos.records) == 1
    assert list(ports.counters.counts.values()) == [1]
    await created(ports, size_bytes=40)  # exactly the quota fits
    assert await ports.quota.reserved_bytes("alice") == 100


async def test_a_create_refused_after_its_reservation_gives_the_storage_back() -> None:
    ports = FakePorts(settings=fixed_settings(storage_quota_bytes=100, uploads_per_day=1))
    await created(ports, size_bytes=10)
    with pytest.raises(TooManyRequests):
        await created(ports, size_bytes=50)
    assert await ports.quota.reserved_bytes("alice") == 10


async def test_a_deleted_video_frees_its_storage() -> None:
    ports = FakePorts(settings=fixed_settings(storage_quota_bytes=100))
    first = await created(ports, size_bytes=60)
    await delete_video(ports, first.id, "alice", "req-2")
    assert await ports.quota.reserved_bytes("alice") == 0
    await created(ports, size_bytes=60)


async def test_the_uploads_of_a_day_are_limited_until_utc_midnight() -> None:
    ports = FakePorts(settings=fixed_settings(uploads_per_day=2))
    for _ in range(2):
        await created(ports)
    with pytest.raises(TooManyRequests) as refused:
        await created(ports)
    assert refused.value.retry_after_s == DAY_S // 2  # from noon
    assert "You have created 2 videos today (UTC)" in refused.value.detail
    await created(ports, owner_id="bob")  # someone else's day is their own
    video, _ = await create_video(ports, "alice", new_video(), "req-9", NOON + DAY_S // 2)
    assert video.owner_id == "alice"  # a new day


async def test_the_owner_reads_a_private_video_and_nobody_else_learns_it_exists(
    ports: FakePorts,
) -> None:
    video = await created(ports)
    assert await readable_video(ports, video.id, "alice") == video
    for caller in ("bob", None):
        with pytest.raises(VideoNotFound) as hidden:
            await readable_video(ports, video.id, caller)
        assert hidden.value.detail == "There is no video with this id, or it is not yours to see."
    for malformed in ("", "../etc", video.id.upper(), video.id + "0"):
        with pytest.raises(VideoNotFound):
            await readable_video(ports, malformed, "alice")


async def test_a_ready_public_video_is_read_by_anyone_and_a_deleted_one_by_nobody(
    ports: FakePorts,
) -> None:
    video = await made_ready(ports, await created(ports), Visibility.PUBLIC)
    assert (await readable_video(ports, video.id, None)).id == video.id
    await delete_video(ports, video.id, "alice", "req-2")
    with pytest.raises(VideoNotFound):
        await readable_video(ports, video.id, "alice")


async def test_my_videos_are_listed_newest_first_in_pages_without_the_deleted(
    ports: FakePorts,
) -> None:
    videos = [await created(ports, title=f"v{i}") for i in range(5)]
    for i, video in enumerate(videos):  # distinct creation times, oldest first
        ports.videos.records[video.id] = video.model_copy(
            update={"created_at": video.created_at + timedelta(seconds=i)}
        )
    await delete_video(ports, videos[3].id, "alice", "req-2")
    await created(ports, owner_id="bob")

    seen: list[str] = []
    cursor: str | None = None
    while True:
        page, cursor = await list_mine(ports, "alice", 2, cursor)
        assert len(page) <= 2
        seen += [v.title for v in page]
        if cursor is None:
            break
    assert seen == ["v4", "v2", "v1", "v0"]


async def test_a_cursor_of_someone_elses_listing_is_refused(ports: FakePorts) -> None:
    for _ in range(3):
        await created(ports, owner_id="bob")
    _, theirs = await list_mine(ports, "bob", 1, None)
    assert theirs is not None
    with pytest.raises(BadCursor):
        await list_mine(ports, "alice", 1, theirs)
    with pytest.raises(BadCursor):
        await list_public(ports, 1, theirs)
    with pytest.raises(BadCursor):
        await list_mine(ports, "alice", 1, "not-a-cursor")


async def test_the_public_listing_has_only_ready_public_videos(ports: FakePorts) -> None:
    public = await made_ready(ports, await created(ports), Visibility.PUBLIC)
    await made_ready(ports, await created(ports), Visibility.UNLISTED)
    await made_ready(ports, await created(ports))
    await created(ports, visibility=Visibility.PUBLIC)  # public, but not ready
    page, cursor = await list_public(ports, 10, None)
    assert ([v.id for v in page], cursor) == ([public.id], None)
