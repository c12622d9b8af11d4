"""kill -9 the transcoder in the middle of a transcode on a 40 s clip: with the production
visibility timeout (20 s, kept alive by the heartbeat while a job runs), another transcoder
takes the job again within it, so the video is `ready` within 60 s of the kill (the issue's
bound: 30 s plus the job's own length), once, with one `video.ready` and one notification."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.client import User
from tests.integration.worker_support import EventSpy
from tests.media import make_clip
from tests.resilience.conftest import handled, kill_hard, process_env, running, stack_settings
from tests.support import eventually, running_ffmpeg
from videoshare.aws import open_clients
from videoshare.infra.resources import resolve
from videoshare.local.emulator import Emulator
from videoshare.settings import Settings

pytestmark = pytest.mark.e2e

PIPELINE = {
    "upload-finalizer": "upload-finalizer",
    "transcoder-a": "transcoder",
    "metadata-indexer": "metadata-indexer",
    "notifier": "notifier",
}
# What production runs with, not the resilience tier's quick 6 s: the point of the test.
VISIBILITY_S = Settings.model_fields["transcode_visibility_timeout_s"].default
READY_AFTER_KILL_S = 60


@pytest.mark.timeout(240)
async def test_a_transcoder_killed_mid_transcode_is_replaced_and_the_video_is_ready_once(
    emulator: Emulator, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    settings = stack_settings(emulator, transcode_visibility_timeout_s=VISIBILITY_S)
    # 40 s as the issue measured; small, so its transcode is short beside the bound
    clip = make_clip(media_dir / "long.mp4", seconds=40, width=426, height=240)
    async with running(settings, PIPELINE) as stack, open_clients(settings) as aws:
        spy = await EventSpy.on_topic(aws, settings, await resolve(aws, settings))
        user = await User(http, stack.base_url).sign_up()
        created = await user.upload(clip, title="Interrupted")
        victim = stack.processes["transcoder-a"]
        await eventually(
            lambda: running_ffmpeg(victim.pid),
            timeout_s=60,
            interval_s=0.02,
            what="the transcoder running ffmpeg",
        )

        kill_hard(victim)
        killed = time.monotonic()
        stack.start("transcoder-b", ["worker", "transcoder"], process_env(settings))

        deadline_s = READY_AFTER_KILL_S - (time.monotonic() - killed)
        video = await user.wait_for_status(
            created["id"], {"ready", "failed", "rejected"}, deadline_s
        )
        assert video["status"] == "ready", video
        await stack.wait_until_idle(timeout_s=60)

        ready = [e for e in await spy.of_type("video.ready") if e.data.video_id == video["id"]]
        assert len({e.id for e in ready}) == 1, ready
        notes = await user.call("GET", "/v1/notifications", expect=200)
        mine = [n for n in notes["items"] if n["video_id"] == video["id"]]
        assert len(mine) == 1, notes
        # the second transcoder is the one that finished it, on a later receive
        finished = [
            line
            for line in handled(stack, "transcoder-b", "done")
            if line.get("event_type") == "video.uploaded"
        ]
        assert len(finished) == 1
        assert finished[0]["attempt"] >= 2
        assert stack.alive()["transcoder-b"]
