"""Importing from a link (`usecases/imports.py`) against the fakes: the ingress's request (a
private link refused before anything counts, the cap reserved, both events), and the importer:
a video streamed into the source key at its real size, and each way a link can fail becoming a
rejection with a reason, nothing left in the bucket and the storage given back."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.fakes.workers import WorkerFakes
from tests.usecases.support import NOON, FakePorts, fixed_settings
from tests.usecases.workers_support import store_video, stored
from videoshare.bus.outcomes import Reject, RetryLater
from videoshare.domain.errors import ImportUrlNotAllowed
from videoshare.domain.events import (
    VideoCreated,
    VideoImportRequested,
    VideoImportRequestedData,
    VideoRejected,
)
from videoshare.domain.video import Video, VideoStatus, Visibility
from videoshare.settings import Settings
from videoshare.usecases.imports import NewImport, import_source, request_import
from videoshare.usecases.ports import SourceUnavailable

URL = "https://videos.example.com/clips/sunset.webm"
CAP = 50_000
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 4000


@dataclass
class ImportFakes(WorkerFakes):
    settings: Settings = field(default_factory=lambda: fixed_settings(import_max_bytes=CAP))


@pytest.fixture
def fakes() -> ImportFakes:
    return ImportFakes()


def new_import(url: str = URL) -> NewImport:
    return NewImport(title="Sunset", visibility=Visibility.PUBLIC, source_url=url)


# --- the ingress --------------------------------------------------------------------------------


async def test_an_import_is_a_video_awaiting_its_source_with_the_cap_reserved() -> None:
    ports = FakePorts(settings=fixed_settings(import_max_bytes=CAP))
    ports.webhook_targets.names["videos.example.com"] = ports.webhook_targets.names[
        "hooks.example.com"
    ]
    video = await request_import(ports, "alice", new_import(), "req-7", NOON)

    assert ports.videos.records[video.id] == video
    assert (video.status, video.import_url, video.declared_size_bytes) == (
        VideoStatus.AWAITING_UPLOAD,
        URL,
        CAP,
    )
    assert (video.filename, video.content_type) == ("sunset.webm", "video/webm")
    assert await ports.quota.reserved_bytes("alice") == CAP
    created, requested = ports.publisher.published
    assert isinstance(created, VideoCreated)
    assert isinstance(requested, VideoImportRequested)
    assert (requested.data.video_id, requested.data.source_url) == (video.id, URL)
    assert requested.correlation_id == "req-7"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/a.mp4", "http://localhost/a.mp4", "http://10.0.0.8/a.mp4", "ftp://x/a.mp4"],
)
async def test_a_link_to_a_private_address_is_refused_before_anything_counts(url: str) -> None:
    ports = FakePorts(settings=fixed_settings(import_allow_private_sources=False))
    with pytest.raises(ImportUrlNotAllowed, match="cannot be imported from this link"):
        await request_import(ports, "alice", new_import(url), "req-7", NOON)
    assert ports.videos.records == {}
    assert await ports.quota.reserved_bytes("alice") == 0
    assert ports.publisher.published == []


async def test_locally_a_loopback_link_may_be_imported_when_the_setting_allows_it() -> None:
    ports = FakePorts(settings=fixed_settings(import_allow_private_sources=True))
    video = await request_import(ports, "alice", new_import("http://127.0.0.1:9/a.mp4"), "r", NOON)
    assert video.import_url == "http://127.0.0.1:9/a.mp4"


# --- the importer -------------------------------------------------------------------------------


async def awaiting_import(fakes: ImportFakes) -> Video:
    video = await store_video(fakes, import_url=URL, declared_size_bytes=CAP)
    assert await fakes.quota.reserve(video.owner_id, video.id, CAP, 10 * CAP)
    return video


async def run(fakes: ImportFakes, video: Video, cause_id: str = "msg-1") -> None:
    data = VideoImportRequestedData(video_id=video.id, owner_id=video.owner_id, source_url=URL)
    await import_source(fakes, data, cause_id=cause_id, producer="importer")


async def test_a_video_is_streamed_into_its_source_key_at_its_real_size(
    fakes: ImportFakes,
) -> None:
    video = await awaiting_import(fakes)
    fakes.sources.serve(URL, MP4)

    await run(fakes, video)

    assert fakes.objects.objects[video.source_key].data == MP4
    assert fakes.objects.open_uploads == []
    after = stored(fakes, video.id)
    # still awaiting: the upload-finalizer decides, as for an upload, at the real size
    assert (after.status, after.declared_size_bytes) == (VideoStatus.AWAITING_UPLOAD, len(MP4))
    assert await fakes.quota.reserved_bytes(video.owner_id) == len(MP4)
    assert fakes.sources.asked == [(URL, CAP, False)]
    assert fakes.publisher.published == []


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (SourceUnavailable("not_found", "The link answered 404: nothing is there."), "not_found"),
        (SourceUnavailable("too_large", "larger than the cap"), "too_large"),
        (SourceUnavailable("unreachable", "The link could not be reached."), "unreachable"),
        (SourceUnavailable("refused", "The link was refused: 10.0.0.1 is private."), "refused"),
        (b"<!doctype html><html><body>a page, not a video</body></html>", "not_a_video"),
        (MP4 * 20, "too_large"),  # larger than the cap, however it was announced
    ],
)
async def test_a_link_without_a_video_rejects_it_with_a_reason_and_leaves_nothing(
    fakes: ImportFakes, answer: bytes | SourceUnavailable, code: str
) -> None:
    video = await awaiting_import(fakes)
    fakes.sources.serve(URL, answer)

    await run(fakes, video)

    after = stored(fakes, video.id)
    assert (after.status, after.status_code) == (VideoStatus.REJECTED, f"import_{code}")
    assert after.status_reason
    assert fakes.objects.objects == {}
    assert fakes.objects.open_uploads == []  # the multipart upload was aborted
    assert await fakes.quota.reserved_bytes(video.owner_id) == 0
    [event] = fakes.publisher.published
    assert isinstance(event, VideoRejected)
    assert (event.data.code, event.data.reason) == (f"import_{code}", after.status_reason)


async def test_a_rejection_is_said_again_with_the_same_id_on_a_repeat(fakes: ImportFakes) -> None:
    video = await awaiting_import(fakes)
    fakes.sources.serve(URL, SourceUnavailable("not_found", "404"))
    await run(fakes, video, "msg-1")
    await run(fakes, video, "msg-1")
    first, again = fakes.publisher.published
    assert first.id == again.id
    assert len(fakes.sources.asked) == 1  # not fetched again


async def test_a_link_failing_for_now_is_retried(fakes: ImportFakes) -> None:
    video = await awaiting_import(fakes)
    fakes.sources.serve(URL, SourceUnavailable("unreachable", "503", transient=True))
    with pytest.raises(RetryLater):
        await run(fakes, video)
    assert stored(fakes, video.id).status is VideoStatus.AWAITING_UPLOAD
    assert fakes.objects.open_uploads == []


async def test_a_video_past_its_import_is_left_alone(fakes: ImportFakes) -> None:
    video = await store_video(fakes, import_url=URL, status=VideoStatus.UPLOADED)
    await run(fakes, video)
    assert fakes.sources.asked == []
    assert fakes.publisher.published == []


async def test_no_record_is_a_poison_message(fakes: ImportFakes) -> None:
    data = VideoImportRequestedData(video_id="f" * 32, owner_id="o", source_url=URL)
    with pytest.raises(Reject):
        await import_source(fakes, data, cause_id="m", producer="importer")


async def test_the_cap_is_what_is_left_of_the_owners_quota_when_that_is_less() -> None:
    ports = FakePorts(settings=fixed_settings(import_allow_private_sources=True))
    quota = ports.settings.storage_quota_bytes
    assert await ports.quota.reserve("alice", "older", quota - 1234, quota)
    video = await request_import(ports, "alice", new_import("http://127.0.0.1:9/a.mp4"), "r", NOON)
    assert video.declared_size_bytes == 1234
