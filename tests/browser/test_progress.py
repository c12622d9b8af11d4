"""Processing progress is one scale everywhere: the page shows the transcode in percent, never
above 100, however the numbers arrive (the stream, or polling)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import new_page, shoot
from tests.browser.pages import (
    PIPELINE_TIMEOUT_MS,
    fill_upload_form,
    new_email,
    record_status_percentages,
    register,
)
from tests.media import make_clip
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.mark.timeout(300)
async def test_no_percentage_above_100_is_shown_while_a_real_upload_is_processed(
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
        status = page.locator("[data-status]").first
        await expect(status).to_have_attribute("data-status", "processing", timeout=60_000)
        await shoot(page, screenshots, "24-processing")
        await expect(status).to_have_attribute("data-status", "ready", timeout=PIPELINE_TIMEOUT_MS)

        seen: list[float] = await page.evaluate("() => window.__percentages")
        assert seen, "no processing percentage was ever shown"
        assert max(seen) > 0, f"the transcode's progress never showed: {seen}"
        assert all(0 <= percent <= 100 for percent in seen), seen
        assert not errors.seen, errors.seen
    finally:
        await context.close()
