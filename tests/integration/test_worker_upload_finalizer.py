"""The upload-finalizer's handlers against the real emulator: what S3 tells it when a client
uploads a good clip, the wrong size, something that is not a video, nothing at all, or when a
notification is a duplicate, late, not ours, or not a notification at all."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.integration.worker_support import (
    EventSpy,
    Worker,
    dead_letters,
    forget_completion,
    make_png,
    object_keys,
    queue_depth,
    s3_notification,
    send_raw,
    start_worker,
    store_video,
    stored,
    take_s3_notifications,
    upload,
)
from tests.media import make_clip, make_jpeg, write_text
from videoshare.aws import AwsClients
from videoshare.bus.runtime import Outcome, Settlement
from videoshare.domain import keys
from videoshare.domain.events import VideoRejected, VideoUploaded
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.workers import upload_finalizer
from videoshare.entrypoints.workers.messages import decode_s3
from videoshare.infra.resources import Resources
from videoshare.infra.topology import UPLOAD_FINALIZER
from videoshare.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("finalizer") / "clip.mp4", seconds=1).read_bytes()


@pytest.fixture
def finalizer(settings: Settings, aws: AwsClients, resources: Resources) -> Worker:
    return start_worker(UPLOAD_FINALIZER, upload_finalizer.definition, settings, aws, resources)


@pytest.fixture
async def spy(settings: Settings, aws: AwsClients, resources: Resources) -> EventSpy:
    return await EventSpy.on_topic(aws, settings, resources)


def outcomes(settlements: list[Settlement]) -> Counter[Outcome]:
    return Counter(s.outcome for s in settlements)


# A test's first drain also meets the s3:TestEvent provisioning left on the queue: SKIPPED.


async def test_a_clip_of_the_declared_size_is_uploaded_and_announced_once(
    finalizer: Worker, spy: EventSpy, clip: bytes
) -> None:
    video = await store_video(finalizer, declared_size_bytes=len(clip))
    await upload(finalizer, video.id, clip)

    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1, Outcome.SKIPPED: 1}

    after = await stored(finalizer, video.id)
    assert after.status is VideoStatus.UPLOADED
    assert after.size_bytes == len(clip)
    assert (after.status_code, after.status_reason) == (None, None)
    (event,) = await spy.published()
    assert isinstance(event, VideoUploaded)
    assert event.correlation_id == video.correlation_id
    assert event.producer == UPLOAD_FINALIZER
    assert event.data.video_id == video.id
    assert event.data.owner_id == video.owner_id
    assert event.data.source_key == keys.source_key(video.id)
    assert event.data.size_bytes == len(clip)
    assert event.data.content_type == "video/mp4"
    assert await dead_letters(finalizer) == []
    assert await queue_depth(finalizer) == 0


async def test_an_upload_of_another_size_than_declared_is_rejected_with_a_reason(
    finalizer: Worker, spy: EventSpy, clip: bytes
) -> None:
    declared = len(clip) + 4096
    video = await store_video(finalizer, declared_size_bytes=declared)
    await upload(finalizer, video.id, clip)

    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1, Outcome.SKIPPED: 1}

    after = await stored(finalizer, video.id)
    assert after.status is VideoStatus.REJECTED
    assert after.status_code == "size_mismatch"
    assert after.status_reason == (
        f"The upload was {len(clip):,} bytes but {declared:,} bytes were declared; "
        "upload the file again."
    )
    assert after.size_bytes is None
    (event,) = await spy.published()
    assert isinstance(event, VideoRejected)
    assert event.correlation_id == video.correlation_id
    assert (event.data.video_id, event.data.code) == (video.id, "size_mismatch")
    assert event.data.reason == after.status_reason
    # the rejected upload is not kept (it stayed in the bucket: storage nobody can use)
    assert await object_keys(finalizer, keys.source_key(video.id)) == []


NOT_A_VIDEO = "The file is not a video we can read; upload an MP4, MOV, MKV or WebM file."


async def test_files_that_are_not_videos_are_rejected_with_a_reason(
    finalizer: Worker, spy: EventSpy, tmp_path: Path
) -> None:
    not_a_video = ("not_a_video", NOT_A_VIDEO)
    empty_not_as_declared = (
        "size_mismatch",
        "The upload was 0 bytes but 1,000 bytes were declared; upload the file again.",
    )
    # name: (the bytes PUT, the size declared (None: theirs), the verdict: code and reason)
    cases: dict[str, tuple[bytes, int | None, tuple[str, str]]] = {
        "text-file": (write_text(tmp_path / "list.mp4").read_bytes(), None, not_a_video),
        "jpeg-renamed": (make_jpeg(tmp_path / "a.mp4").read_bytes(), None, not_a_video),
        "png-renamed": (make_png(tmp_path / "b.mov").read_bytes(), None, not_a_video),
        "empty": (b"", 1000, empty_not_as_declared),
        # The ingress refuses to declare 0 bytes; the finalizer must not accept them either.
        "empty-declared-empty": (b"", 0, not_a_video),
    }
    videos: dict[str, Video] = {}
    for name, (data, declared, _) in cases.items():
        size = len(data) if declared is None else declared
        videos[name] = await store_video(finalizer, declared_size_bytes=size)
        await upload(finalizer, videos[name].id, data)

    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 5, Outcome.SKIPPED: 1}

    verdicts = {}
    for name, video in videos.items():
        after = await stored(finalizer, video.id)
        verdicts[name] = (after.status, after.status_code, after.status_reason)
    assert verdicts == {
        name: (VideoStatus.REJECTED, *verdict) for name, (_, _, verdict) in cases.items()
    }
    published = await spy.published()
    assert len(published) == len(cases)
    announced = {}
    for event in published:
        assert isinstance(event, VideoRejected)
        announced[event.data.video_id] = (event.data.code, event.data.reason, event.correlation_id)
    assert announced == {
        videos[name].id: (*verdict, videos[name].correlation_id)
        for name, (_, _, verdict) in cases.items()
    }


async def test_notifications_about_objects_that_are_not_our_uploads_go_to_the_dlq(
    finalizer: Worker, spy: EventSpy, resources: Resources
) -> None:
    # A real one: an object under uploads/ whose key is not a source key.
    await finalizer.ctx.deps.aws.s3.put_object(
        Bucket=resources.bucket, Key="uploads/not-hex/source", Body=b"\x00\x00\x00\x18ftypmp42"
    )
    # A hand-made one, about a source key of ours in somebody else's bucket.
    video = await store_video(finalizer)
    forged = s3_notification("someone-elses-bucket", keys.source_key(video.id))
    await send_raw(finalizer, forged)

    assert outcomes(await finalizer.drain()) == {Outcome.REJECTED: 2, Outcome.SKIPPED: 1}

    not_a_source = f"{resources.bucket}/uploads/not-hex/source is not an upload of ours"
    not_our_bucket = f"someone-elses-bucket/{keys.source_key(video.id)} is not an upload of ours"
    dead = {d.attributes["reason"]: d for d in await dead_letters(finalizer)}
    assert set(dead) == {not_a_source, not_our_bucket}
    for letter in dead.values():
        assert decode_s3(letter.body) is not None  # the notification itself, unchanged
        assert letter.attributes["code"] == "unknown_key"
        assert letter.attributes["source_queue"] == finalizer.consumer.config.queue_name
    assert dead[not_our_bucket].body == forged
    assert (await stored(finalizer, video.id)).status is VideoStatus.AWAITING_UPLOAD
    assert await spy.published() == []
    assert await queue_depth(finalizer) == 0


async def test_an_upload_for_a_video_that_has_no_record_goes_to_the_dlq(
    finalizer: Worker, spy: EventSpy, clip: bytes
) -> None:
    orphan = "0123456789abcdef0123456789abcdef"
    await upload(finalizer, orphan, clip)

    assert outcomes(await finalizer.drain()) == {Outcome.REJECTED: 1, Outcome.SKIPPED: 1}

    (dead,) = await dead_letters(finalizer)
    assert dead.attributes["code"] == "unknown_video"
    assert dead.attributes["reason"] == f"no video record for upload {keys.source_key(orphan)}"
    assert await spy.published() == []


async def test_the_same_notification_delivered_twice_moves_the_video_once(
    settings: Settings, aws: AwsClients, resources: Resources, spy: EventSpy, clip: bytes
) -> None:
    # One message at a time, so the copy meets the first one's COMPLETED record.
    finalizer = start_worker(
        UPLOAD_FINALIZER, upload_finalizer.definition, settings, aws, resources, max_in_flight=1
    )
    video = await store_video(finalizer, declared_size_bytes=len(clip))
    await upload(finalizer, video.id, clip)
    (body,) = await take_s3_notifications(finalizer)
    await send_raw(finalizer, body)
    await send_raw(finalizer, body)  # S3 delivers at least once

    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1, Outcome.DUPLICATE: 1}

    after = await stored(finalizer, video.id)
    assert (after.status, after.version) == (VideoStatus.UPLOADED, video.version + 1)
    (event,) = await spy.published()
    assert isinstance(event, VideoUploaded)


async def test_a_notification_handled_again_publishes_the_same_event_again(
    finalizer: Worker, spy: EventSpy, clip: bytes
) -> None:
    """A crash after the write but before the completion record: the handler runs again, finds
    the video uploaded, moves nothing and publishes again, with the same event id."""
    video = await store_video(finalizer, declared_size_bytes=len(clip))
    await upload(finalizer, video.id, clip)
    (body,) = await take_s3_notifications(finalizer)
    notification = decode_s3(body)
    assert notification is not None
    await send_raw(finalizer, body)
    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1}

    await forget_completion(finalizer, notification.id)
    await send_raw(finalizer, body)
    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1}

    after = await stored(finalizer, video.id)
    assert (after.status, after.version) == (VideoStatus.UPLOADED, video.version + 1)
    first, second = await spy.published()
    assert isinstance(first, VideoUploaded)
    assert second.id == first.id


async def test_a_client_that_puts_the_file_again_after_acceptance_changes_nothing(
    finalizer: Worker, spy: EventSpy, clip: bytes
) -> None:
    """The presigned PUT stays valid for an hour: a second PUT (other bytes, same size, as S3
    enforces the signed length) is a new notification about an upload already decided."""
    video = await store_video(finalizer, declared_size_bytes=len(clip))
    await upload(finalizer, video.id, clip)
    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1, Outcome.SKIPPED: 1}
    await upload(finalizer, video.id, b"x" * len(clip))

    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1}

    after = await stored(finalizer, video.id)
    assert (after.status, after.version) == (VideoStatus.UPLOADED, video.version + 1)
    published = await spy.published()
    assert all(isinstance(e, VideoUploaded) for e in published)
    # Said again at most, never as a second upload: the transcoder drops a repeated id.
    assert len({e.id for e in published}) == 1


async def test_a_late_notification_for_a_video_already_processing_changes_nothing(
    finalizer: Worker, spy: EventSpy, clip: bytes
) -> None:
    video = await store_video(
        finalizer,
        status=VideoStatus.PROCESSING,
        declared_size_bytes=len(clip),
        size_bytes=len(clip),
        progress=40.0,
    )
    await upload(finalizer, video.id, clip)

    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1, Outcome.SKIPPED: 1}

    assert await stored(finalizer, video.id) == video
    assert await spy.published() == []
    assert await dead_letters(finalizer) == []


async def test_a_notification_for_a_video_the_transcoder_rejected_announces_nothing(
    finalizer: Worker, spy: EventSpy, clip: bytes
) -> None:
    """The client PUTs again after the transcoder rejected the video: the finalizer must not
    announce a second rejection of its own (the owner would be told twice)."""
    video = await store_video(
        finalizer,
        status=VideoStatus.REJECTED,
        declared_size_bytes=len(clip),
        size_bytes=len(clip),
        status_code="corrupt",
        status_reason="The video cannot be decoded; it may be damaged (Invalid data).",
    )
    await upload(finalizer, video.id, clip)

    assert outcomes(await finalizer.drain()) == {Outcome.DONE: 1, Outcome.SKIPPED: 1}

    assert await stored(finalizer, video.id) == video
    assert await spy.published() == []


async def test_bodies_that_are_not_s3_notifications_go_to_the_dlq_with_a_reason(
    finalizer: Worker, spy: EventSpy
) -> None:
    garbage = [
        "this is not json",
        '{"Records": "nope"}',
        '{"Records": [{"eventName": "ObjectCreated:Put"}]}',
    ]
    for body in garbage:
        await send_raw(finalizer, body)

    assert outcomes(await finalizer.drain()) == {Outcome.REJECTED: 3, Outcome.SKIPPED: 1}

    dead = await dead_letters(finalizer)
    assert sorted(d.body for d in dead) == sorted(garbage)
    for letter in dead:
        assert letter.attributes["code"] == "malformed"
        assert letter.attributes["reason"].startswith("not a valid S3 notification: ")
        assert letter.attributes["error"].startswith("ValidationError: ")
    assert await spy.published() == []
    assert await queue_depth(finalizer) == 0


async def test_s3s_test_event_is_deleted_without_effect(finalizer: Worker, spy: EventSpy) -> None:
    assert [s.outcome for s in await finalizer.drain()] == [Outcome.SKIPPED]

    assert await queue_depth(finalizer) == 0
    assert await dead_letters(finalizer) == []
    assert await spy.published() == []
