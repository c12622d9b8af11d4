"""Processing progress is one scale everywhere: the page shows the transcode in percent, never
above 100, the same number the API answers. And a video is watchable before it is finished: the
watch page's player starts while the video is still processing, and plays on as it grows."""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import new_page, shoot
from tests.browser.pages import (
    PIPELINE_TIMEOUT_MS,
    api_video,
    fill_upload_form,
    new_email,
    play_until_past,
    record_status_percentages,
    register,
)
from tests.media import make_clip
from tests.stack import Stack
from tests.support import eventually
from videoshare.media.ladder import transcode_ladder

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.mark.timeout(300)
async def test_a_real_upload_shows_percentages_to_100_and_plays_while_processing(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    # Long enough that the transcoder reports progress while the page watches.
    clip = make_clip(browser_media / "long-enough.mp4", seconds=30, width=854, height=480)
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        await register(page, new_email())
        await fill_upload_form(page, clip, title="Progress in percent")
        await record_status_percentages(page)
        await page.get_by_role("button", name="Upload", exact=True).click()
        link = page.get_by_role("link", name="Open the video")
        await expect(link).to_be_visible(timeout=60_000)
        href = await link.get_attribute("href")
        assert href is not None
        video_id = href.rsplit("/", 1)[1]
        answered = asyncio.create_task(progress_answered(page, video_id))

        # Meanwhile its watch page (a second tab): the player starts once the first segments
        # are stored, while the video is still processing, and plays on past the first one.
        watch = await context.new_page()
        await watch.goto(href)
        # Once ffmpeg has begun every rung's second segment (the first ones are final), the
        # transcoder's children are paused until the player has started: the transcode cannot
        # end meanwhile, however slow the machine; the uploader still stores what is finished.
        rungs = [rung.name for rung in transcode_ladder(854, 480)]
        await eventually(
            lambda: all(
                any(Path(tempfile.gettempdir()).glob(f"transcode-{video_id}-*/out/hls/{r}_001.m4s"))
                for r in rungs
            ),
            timeout_s=PIPELINE_TIMEOUT_MS / 1000,
            interval_s=0.01,
            what="ffmpeg's second segments begun",
        )
        player = watch.locator("video")
        with paused_children(web_stack.processes["transcoder"].pid):
            await expect(player).to_be_visible(timeout=PIPELINE_TIMEOUT_MS)
            await expect(watch.locator(".still-processing")).to_be_visible()
            await expect(player).to_have_attribute("data-engine", re.compile(r"^HLS"))
            await play_until_past(watch, 0.5)
            during = await api_video(watch, video_id)
            assert (during["status"], during["playable"]) == ("processing", True)
            await shoot(watch, screenshots, "23-playing-while-processing")
        await play_until_past(watch, 5.0)  # into the second segment: the playlist grew
        await watch.close()

        status = page.locator("[data-status]").first
        await expect(status).to_have_attribute("data-status", "ready", timeout=PIPELINE_TIMEOUT_MS)
        api_seen = await answered
        await shoot(page, screenshots, "24-processed")

        # Every percentage the page showed, and every one the API answered, is 0 to 100 (the
        # transcoder writes one a second, so the page usually shows several on the way).
        shown: list[float] = await page.evaluate("() => window.__percentages")
        assert shown, "no processing percentage was ever shown"
        assert all(0 <= percent <= 100 for percent in shown), (shown, api_seen)
        assert all(0 <= percent <= 100 for percent in api_seen), api_seen
        assert not errors.seen, errors.seen
    finally:
        await context.close()


@contextlib.contextmanager
def paused_children(pid: int) -> Iterator[None]:
    """The process's children (its ffmpeg) stopped inside, continued after."""
    children = psutil.Process(pid).children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.suspend()
    try:
        yield
    finally:
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.resume()


async def progress_answered(page: Page, video_id: str) -> list[float]:
    """Every `progress` the API answers for the video, asked again and again until it settles."""
    seen: list[float] = []
    while True:
        video = await api_video(page, video_id)
        if "progress" in video:
            seen.append(video["progress"])
        if video["status"] in {"ready", "rejected", "failed"}:
            return seen
        await asyncio.sleep(0.2)
