"""The noisy neighbour, against the real emulator, the real workers (built in-process with the
production wiring) and the real ffmpeg: one user floods twenty uploads, and another user's video
reaches `ready` behind no more of the flood than one user may have in processing at once, while
the rest of the flood waits its turn in the upload-finalizer's queue (deferred, not failed).

The flood's deferred messages are delayed longer than the test runs, so what is asserted is
state and order, never timing: the other video is ready while nineteen of the flood still wait."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.integration.worker_support import (
    dead_letters,
    start_worker,
    store_video,
    stored,
    upload,
)
from tests.media import make_clip
from videoshare.aws import AwsClients
from videoshare.bus.runtime import Outcome
from videoshare.domain.video import VideoStatus
from videoshare.entrypoints.workers import metadata_indexer, transcoder, upload_finalizer
from videoshare.infra.resources import Resources
from videoshare.infra.topology import METADATA_INDEXER, TRANSCODER, UPLOAD_FINALIZER
from videoshare.settings import Settings

pytestmark = pytest.mark.integration

FLOOD = 20


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("turns") / "clip.mp4"
    return make_clip(path, seconds=1, width=160, height=120).read_bytes()


async def test_a_flood_of_uploads_waits_its_turn_and_another_users_video_gets_ready(
    settings: Settings, aws: AwsClients, resources: Resources, clip: bytes
) -> None:
    settings = settings.model_copy(
        update={"processing_slots_per_user": 1, "processing_wait_s": 900}
    )
    finalizer = start_worker(
        UPLOAD_FINALIZER, upload_finalizer.definition, settings, aws, resources
    )
    # one transcoder process taking one message at a time, as the topology runs it
    transcoding = start_worker(
        TRANSCODER, transcoder.definition, settings, aws, resources, max_in_flight=1
    )
    indexer = start_worker(METADATA_INDEXER, metadata_indexer.definition, settings, aws, resources)
    flood = [
        await store_video(finalizer, owner_id="flooder", declared_size_bytes=len(clip))
        for _ in range(FLOOD)
    ]
    for video in flood:
        await upload(finalizer, video.id, clip)
    other = await store_video(finalizer, owner_id="bystander", declared_size_bytes=len(clip))
    await upload(finalizer, other.id, clip)  # S3 tells the finalizer after the whole flood

    checked = Counter(s.outcome for s in await finalizer.drain())
    transcoded = await transcoding.drain()
    await indexer.drain()

    # (and S3's test event of the bucket's notification set-up, skipped)
    assert (checked[Outcome.DONE], checked[Outcome.DEFERRED]) == (2, FLOOD - 1)
    assert len(transcoded) == 2  # one of the flood, and the other user's
    assert (await stored(finalizer, other.id)).status is VideoStatus.READY
    statuses = Counter([(await stored(finalizer, v.id)).status for v in flood])
    assert statuses == {VideoStatus.READY: 1, VideoStatus.UPLOADED: FLOOD - 1}
    assert await dead_letters(finalizer) == []  # waiting is not failing
    # the flood's first is done: its turn is free for the next, whose message comes back
    assert await finalizer.ctx.deps.slots.held("flooder", 0) == 0
