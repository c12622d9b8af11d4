"""Editing and deleting (`usecases/video_edits.py`): the owner only, conditional writes retried
against concurrent writers, one event per successful write."""

from __future__ import annotations

import pytest

from tests.fakes.videos import FakeVideoStore
from tests.usecases.support import FakePorts, created, made_ready
from videoshare.domain.errors import EditConflict, OwnerOnly, VideoNotFound
from videoshare.domain.events import VideoDeleted, VideoUpdated
from videoshare.domain.video import Video, VideoEdit, VideoStatus, Visibility
from videoshare.usecases.video_edits import MAX_ATTEMPTS, delete_video, edit_video


class RacedVideoStore(FakeVideoStore):
    """A store where, for the next `races` saves, another writer changes the record just
    before (its description), so each of those saves finds the record moved on."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races

    async def save(self, changed: Video, *, expected: Video) -> Video:
        if self.races > 0:
            self.races -= 1
            current = self.records[expected.id]
            other = current.edited(VideoEdit(description=f"by another writer {self.races}"))
            await super().save(other, expected=current)
        return await super().save(changed, expected=expected)


async def test_the_owner_edits_and_the_change_is_announced_with_its_fields(
    ports: FakePorts,
) -> None:
    video = await created(ports)
    edit = VideoEdit(title="Better title", tags=["beach", "summer"], visibility=Visibility.PUBLIC)
    saved = await edit_video(ports, video.id, "alice", edit, "req-7")
    assert (saved.title, saved.visibility, saved.version) == (
        "Better title",
        Visibility.PUBLIC,
        video.version + 1,
    )
    assert ports.videos.records[video.id] == saved
    event = ports.publisher.published[-1]
    assert isinstance(event, VideoUpdated)
    assert event.data.changed == ["title", "visibility"]  # the tags were already those
    assert event.correlation_id == "req-7"


async def test_an_edit_that_changes_nothing_writes_and_tells_nothing(ports: FakePorts) -> None:
    video = await created(ports)
    writes, events = ports.videos.writes, len(ports.publisher.published)
    same = await edit_video(ports, video.id, "alice", VideoEdit(title=video.title), "req-7")
    assert same == video
    assert (ports.videos.writes, len(ports.publisher.published)) == (writes, events)


async def test_strangers_get_owner_only_where_they_see_the_video_else_not_found(
    ports: FakePorts,
) -> None:
    public = await made_ready(ports, await created(ports), Visibility.PUBLIC)
    private = await created(ports)
    edit = VideoEdit(title="mine now")
    with pytest.raises(OwnerOnly) as refused:
        await edit_video(ports, public.id, "bob", edit, "req-1")
    assert refused.value.detail == "Only the owner of this video can change or delete it."
    with pytest.raises(OwnerOnly):
        await delete_video(ports, public.id, "bob", "req-1")
    with pytest.raises(VideoNotFound):
        await edit_video(ports, private.id, "bob", edit, "req-1")
    with pytest.raises(VideoNotFound):
        await delete_video(ports, private.id, "bob", "req-1")
    assert ports.videos.records[public.id] == public


async def test_an_edit_racing_other_writers_applies_to_what_is_there_now() -> None:
    store = RacedVideoStore(races=0)
    ports = FakePorts(videos=store)
    video = await created(ports)
    store.races = MAX_ATTEMPTS - 1
    saved = await edit_video(ports, video.id, "alice", VideoEdit(title="New"), "req-1")
    assert saved.title == "New"
    assert saved.description == "by another writer 0"  # the other writers' change is kept
    assert len(ports.publisher.of_type("video.updated")) == 1


async def test_an_edit_that_loses_every_race_is_an_edit_conflict() -> None:
    store = RacedVideoStore(races=0)
    ports = FakePorts(videos=store)
    video = await created(ports)
    store.races = MAX_ATTEMPTS
    with pytest.raises(EditConflict) as busy:
        await edit_video(ports, video.id, "alice", VideoEdit(title="New"), "req-1")
    assert busy.value.retry_after_s == 1
    assert ports.videos.records[video.id].title == video.title
    assert ports.publisher.of_type("video.updated") == []


async def test_the_owner_deletes_once(ports: FakePorts) -> None:
    video = await made_ready(ports, await created(ports), Visibility.PUBLIC)
    await delete_video(ports, video.id, "alice", "req-3")
    assert ports.videos.records[video.id].status is VideoStatus.DELETED
    [event] = ports.publisher.of_type("video.deleted")
    assert isinstance(event, VideoDeleted)
    assert (event.data.video_id, event.correlation_id) == (video.id, "req-3")
    with pytest.raises(VideoNotFound):
        await delete_video(ports, video.id, "alice", "req-4")
    assert len(ports.publisher.of_type("video.deleted")) == 1


async def test_a_delete_that_loses_every_race_is_an_edit_conflict() -> None:
    store = RacedVideoStore(races=0)
    ports = FakePorts(videos=store)
    video = await created(ports)
    store.races = MAX_ATTEMPTS
    with pytest.raises(EditConflict):
        await delete_video(ports, video.id, "alice", "req-1")
    assert ports.videos.records[video.id].status is VideoStatus.AWAITING_UPLOAD
    assert ports.publisher.of_type("video.deleted") == []


async def test_deleting_a_video_in_processing_frees_its_owners_turn(ports: FakePorts) -> None:
    video = await created(ports)
    assert await ports.slots.take("alice", video.id, limit=1, now=0, ttl_s=600)

    await delete_video(ports, video.id, "alice", "req-5")

    assert await ports.slots.held("alice", now=0) == 0
