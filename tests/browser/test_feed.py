"""The public feed: newest first, a page at a time, "Load more" for the rest; only ready public
videos appear."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import PHONE, new_page, shoot
from tests.stack import Stack
from videoshare.adapters.videos import VideoRepository
from videoshare.aws import open_clients
from videoshare.domain import keys
from videoshare.domain.video import Video, VideoStatus, Visibility
from videoshare.infra.topology import VIDEOS_TABLE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FEED_PAGE = 12  # js/screens/feed.js


async def seed(
    stack: Stack, titles: list[str], *, visibility: Visibility, status: VideoStatus
) -> None:
    """Records as the pipeline would leave them (the feed is about listing, not transcoding;
    no object is written, so no worker is woken)."""
    async with open_clients(stack.settings) as aws:
        repo = VideoRepository(aws.dynamodb, stack.settings.table(VIDEOS_TABLE))
        start = datetime.now(UTC)
        for i, title in enumerate(titles):
            video_id = uuid.uuid4().hex
            at = start + timedelta(seconds=i)
            await repo.create(
                Video(
                    id=video_id,
                    owner_id="seeded-owner",
                    title=title,
                    tags=["seeded"],
                    visibility=visibility,
                    status=status,
                    created_at=at,
                    updated_at=at,
                    filename="clip.mp4",
                    content_type="video/mp4",
                    declared_size_bytes=1000,
                    source_key=keys.source_key(video_id),
                    upload_expires_at=at,
                    duration_s=65.0,
                )
            )


async def test_the_feed_pages_with_load_more_and_shows_only_public_ready_videos(
    web_stack: Stack, browser: Browser, screenshots: Path
) -> None:
    run = uuid.uuid4().hex[:6]
    public = [f"Feed {run} #{i:02d}" for i in range(FEED_PAGE + 2)]
    await seed(web_stack, public, visibility=Visibility.PUBLIC, status=VideoStatus.READY)
    await seed(
        web_stack,
        [f"Hidden {run} unlisted"],
        visibility=Visibility.UNLISTED,
        status=VideoStatus.READY,
    )
    await seed(
        web_stack,
        [f"Hidden {run} processing"],
        visibility=Visibility.PUBLIC,
        status=VideoStatus.PROCESSING,
    )
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        await page.goto("/")
        cards = page.locator(".card")
        await expect(cards).to_have_count(FEED_PAGE)
        # Newest first: the last seeded leads.
        await expect(cards.first).to_contain_text(public[-1])
        await expect(cards.first.locator(".length")).to_have_text("1:05")
        await shoot(page, screenshots, "30-feed-page-one")
        for _ in range(10):
            more = page.get_by_role("button", name="Load more")
            if not await more.count():
                break
            shown = await cards.count()
            await more.click()
            await expect(cards).not_to_have_count(shown)
        for title in public:
            await expect(page.get_by_text(title, exact=True)).to_have_count(1)
        await expect(page.get_by_text(f"Hidden {run}")).to_have_count(0)
        await shoot(page, screenshots, "31-feed-loaded-more")

        await page.set_viewport_size(PHONE)
        await shoot(page, screenshots, "32-feed-phone")
        assert not errors.seen, errors.seen
    finally:
        await context.close()
