"""`VideoStore`: `FakeVideoStore` and `adapters.videos.VideoRepository` answer alike."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.contract.conftest import Emulated
from tests.fakes.videos import FakeVideoStore
from videoshare.adapters.videos import VideoRepository
from videoshare.domain.errors import BadCursor, VideoConflict, VideoExists
from videoshare.domain.events import utc_now
from videoshare.domain.video import MediaOutputs, Video, VideoEdit, VideoStatus, Visibility
from videoshare.infra.topology import VIDEOS_TABLE
from videoshare.usecases.ports import VideoStore

START = utc_now().replace(microsecond=0)


@pytest.fixture
async def videos(backend: Emulated | None) -> VideoStore:
    if backend is None:
        return FakeVideoStore()
    return VideoRepository(backend.aws.dynamodb, await backend.fresh_table(VIDEOS_TABLE))


def _video(owner_id: str = "alice", seconds: int = 0, **fields: object) -> Video:
    video_id = uuid.uuid4().hex
    created_at = START + timedelta(seconds=seconds)
    return Video.model_validate(
        {
            "id": video_id,
            "owner_id": owner_id,
            "title": "Holiday",
            "created_at": created_at,
            "updated_at": created_at,
            "filename": "holiday.mp4",
            "content_type": "video/mp4",
            "declared_size_bytes": 11,
            "source_key": f"uploads/{video_id}/source",
            "upload_expires_at": created_at + timedelta(hours=1),
            **fields,
        }
    )


async def _ready(videos: VideoStore, video: Video) -> Video:
    await videos.create(video)
    video = await videos.save(video.uploaded(), expected=video)
    video = await videos.save(video.processing(), expected=video)
    outputs = MediaOutputs(
        duration_s=1.0, width=640, height=360, size_bytes=11, renditions=[], poster_key=None
    )
    return await videos.save(video.ready(outputs), expected=video)


async def test_a_created_video_reads_back_as_it_was_and_its_id_is_taken(
    videos: VideoStore,
) -> None:
    video = _video(tags=["beach"], visibility=Visibility.PUBLIC, multipart_upload_id="u-1")
    await videos.create(video)
    assert await videos.get(video.id) == video
    assert await videos.get(uuid.uuid4().hex) is None
    with pytest.raises(VideoExists):
        await videos.create(video.model_copy(update={"title": "Another"}))
    assert await videos.get(video.id) == video


async def test_a_save_writes_one_version_on_from_what_was_read(videos: VideoStore) -> None:
    video = _video()
    await videos.create(video)
    saved = await videos.save(video.edited(VideoEdit(title="New")), expected=video)
    assert (saved.title, saved.version) == ("New", video.version + 1)
    assert saved.updated_at >= video.updated_at
    assert await videos.get(video.id) == saved


async def test_a_save_from_a_stale_read_is_a_conflict_and_writes_nothing(
    videos: VideoStore,
) -> None:
    video = _video()
    await videos.create(video)
    winner = await videos.save(video.edited(VideoEdit(title="First")), expected=video)
    with pytest.raises(VideoConflict):
        await videos.save(video.edited(VideoEdit(title="Second")), expected=video)
    assert await videos.get(video.id) == winner


async def test_a_save_expecting_another_status_is_a_conflict(videos: VideoStore) -> None:
    video = _video()
    await videos.create(video)
    believed = video.model_copy(update={"status": VideoStatus.UPLOADED})  # same version
    with pytest.raises(VideoConflict):
        await videos.save(believed.processing(), expected=believed)
    assert await videos.get(video.id) == video


async def test_a_save_of_a_record_gone_is_a_conflict(videos: VideoStore) -> None:
    video = _video()
    with pytest.raises(VideoConflict):
        await videos.save(video.edited(VideoEdit(title="New")), expected=video)


async def test_a_save_not_made_from_what_it_expects_is_refused(videos: VideoStore) -> None:
    video, other = _video(), _video()
    await videos.create(video)
    with pytest.raises(ValueError, match="made from"):
        await videos.save(other, expected=video)


async def test_an_owners_videos_are_listed_newest_first_in_pages(videos: VideoStore) -> None:
    mine = [_video("alice", seconds=i) for i in range(5)]
    for video in [*mine, _video("bob", seconds=9)]:
        await videos.create(video)
    seen: list[str] = []
    cursor: str | None = None
    first = True
    while True:
        page = await videos.list_by_owner("alice", 2, cursor)
        assert len(page.items) <= 2
        if first:
            assert page.next_cursor is not None  # more than a page: a cursor
            first = False
        seen += [v.id for v in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [v.id for v in reversed(mine)]


async def test_the_public_listing_has_the_ready_public_videos_newest_first(
    videos: VideoStore,
) -> None:
    older = await _ready(videos, _video(seconds=1, visibility=Visibility.PUBLIC))
    newer = await _ready(videos, _video("bob", seconds=2, visibility=Visibility.PUBLIC))
    await _ready(videos, _video(seconds=3, visibility=Visibility.UNLISTED))
    await videos.create(_video(seconds=4, visibility=Visibility.PUBLIC))  # not ready
    page = await videos.list_public(10, None)
    assert [v.id for v in page.items] == [newer.id, older.id]
    assert page.next_cursor is None


async def test_a_cursor_continues_only_the_listing_that_gave_it(videos: VideoStore) -> None:
    for i in range(3):
        await videos.create(_video("bob", seconds=i))
        await _ready(videos, _video("carol", seconds=i, visibility=Visibility.PUBLIC))
    bobs = (await videos.list_by_owner("bob", 1, None)).next_cursor
    public = (await videos.list_public(1, None)).next_cursor
    assert bobs is not None
    assert public is not None
    with pytest.raises(BadCursor):
        await videos.list_by_owner("alice", 1, bobs)
    with pytest.raises(BadCursor):
        await videos.list_public(1, bobs)
    with pytest.raises(BadCursor):
        await videos.list_by_owner("bob", 1, public)
    for garbage in ("not-a-cursor", "e30=", "W10=", "MQ=="):  # not base64 JSON; {}, [], 1
        with pytest.raises(BadCursor):
            await videos.list_by_owner("bob", 1, garbage)


async def test_the_cursor_after_a_video_continues_right_after_it(videos: VideoStore) -> None:
    mine = [_video("alice", seconds=i) for i in range(4)]
    for video in mine:
        await videos.create(video)
    after = await videos.list_by_owner("alice", 10, videos.cursor_after(mine[2]))
    assert [v.id for v in after.items] == [mine[1].id, mine[0].id]


async def test_a_removed_video_is_gone_from_its_record_and_its_owners_listing(
    videos: VideoStore,
) -> None:
    owner = uuid.uuid4().hex
    gone, kept = _video(owner, 0), _video(owner, 1)
    for video in (gone, kept):
        await videos.create(video)
    await videos.remove(gone.id)
    await videos.remove(gone.id)  # again: no error
    assert await videos.get(gone.id) is None
    assert [v.id for v in (await videos.list_by_owner(owner, 10, None)).items] == [kept.id]


async def test_views_added_since_the_read_make_a_save_a_conflict(
    videos: VideoStore, backend: Emulated | None
) -> None:
    video = _video()
    await videos.create(video)
    if backend is None:
        videos.add_views(video.id, 2)  # type: ignore[attr-defined]
    else:  # the ingress's batch: an ADD that leaves the version alone
        await backend.aws.dynamodb.update_item(
            TableName=videos._table,  # type: ignore[attr-defined]
            Key={"id": {"S": video.id}},
            UpdateExpression="ADD #views :n",
            ExpressionAttributeNames={"#views": "views"},
            ExpressionAttributeValues={":n": {"N": "2"}},
        )
    with pytest.raises(VideoConflict):
        await videos.save(video.uploaded(), expected=video)
    fresh = await videos.get(video.id)
    assert fresh is not None
    assert fresh.views == 2
    saved = await videos.save(fresh.uploaded(), expected=fresh)
    assert (await videos.get(video.id)) == saved
    assert saved.views == 2
