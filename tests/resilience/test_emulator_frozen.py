"""SIGSTOP the AWS emulator for 10 s while uploads are in flight, then SIGCONT: every video
completes, no process died, and every dead-letter queue is empty."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.client import User
from tests.media import make_clip
from tests.resilience.conftest import dead_letter_depths, running, stack_settings
from videoshare.local.emulator import Emulator

pytestmark = pytest.mark.e2e

FREEZE_S = 10
PIPELINE = {
    "upload-finalizer": "upload-finalizer",
    "transcoder": "transcoder",
    "metadata-indexer": "metadata-indexer",
    "notifier": "notifier",
}


@pytest.mark.timeout(300)
async def test_a_frozen_emulator_delays_everything_and_loses_nothing(
    own_emulator: Emulator, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    # The transcoder's visibility timeout as in production (30 s), longer than the freeze.
    settings = stack_settings(own_emulator, transcode_visibility_timeout_s=30)
    clip = make_clip(media_dir / "clip.mp4", seconds=3, width=320, height=240)
    async with running(settings, PIPELINE) as stack:
        user = await User(http, stack.base_url).sign_up()
        first = await user.upload(clip, title="Before the freeze")
        await user.wait_for_status(first["id"], {"processing", "ready"}, timeout_s=60)

        uploads = [
            asyncio.create_task(user.upload(clip, title=f"During the freeze {i}")) for i in range(3)
        ]
        os.kill(own_emulator.process.pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(FREEZE_S)  # the fault itself: nothing is being waited for
            assert not any(u.done() for u in uploads), "an upload finished against a frozen AWS"
        finally:
            os.kill(own_emulator.process.pid, signal.SIGCONT)

        created = [first, *await asyncio.gather(*uploads)]
        for video in created:
            final = await user.wait_for_status(
                video["id"], {"ready", "rejected", "failed"}, timeout_s=150
            )
            assert final["status"] == "ready", final
        await stack.wait_until_idle(timeout_s=60)
        assert all(stack.alive().values()), stack.alive()
        assert set((await dead_letter_depths(settings)).values()) == {0}
