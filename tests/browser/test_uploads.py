"""Uploads through the page that do not go the happy way: a file that is not a video (refused
before it is sent, or rejected by the pipeline with its reason shown), a cancel half-way
(nothing kept), an import from a link where nothing is (rejected, the reason shown), and one
whose link is read slowly (how much is read, shown as an upload's)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from playwright.async_api import Browser, Request, Route, expect

from tests.browser.conftest import MULTIPART_THRESHOLD, new_page, shoot
from tests.browser.pages import (
    PIPELINE_TIMEOUT_MS,
    api_video,
    fill_upload_form,
    new_email,
    register,
)
from tests.media import accepted_clip, write_mp4_header_then_noise
from tests.stack import Stack
from tests.support import serving, serving_held_back

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def test_a_rejected_upload_shows_its_reason(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    # Looks like an MP4 in its first bytes (so the page sends it); only probing rejects it.
    fake = write_mp4_header_then_noise(browser_media / "not-really.mp4", size=64 * 1024)
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        await register(page, new_email())
        await fill_upload_form(page, fake, title="Random bytes")
        await page.get_by_role("button", name="Upload", exact=True).click()
        status = page.locator("[data-status]").first
        await expect(status).to_have_attribute(
            "data-status", "rejected", timeout=PIPELINE_TIMEOUT_MS
        )
        await expect(page.get_by_role("heading", level=1)).to_have_text("Rejected")
        await expect(page.get_by_role("heading", name="Uploaded")).to_have_count(0)
        href = await page.get_by_role("link", name="Open the video").get_attribute("href")
        assert href is not None
        record = await api_video(page, href.rsplit("/", 1)[1])
        assert record["status_reason"]
        await expect(status.locator(".reason")).to_have_text(record["status_reason"])

        await page.get_by_role("link", name="Go to my library").click()
        item = page.locator(".library-item", has_text="Random bytes")
        await expect(item.locator(".reason")).to_have_text(record["status_reason"])
        await shoot(page, screenshots, "20-rejected")
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_an_import_from_a_link_where_nothing_is_shows_why_it_was_rejected(
    web_stack: Stack, browser: Browser, screenshots: Path
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        await register(page, new_email())
        async with serving(web.Application()) as nothing:  # answers 404 to everything
            await page.get_by_label("Or import from a link").fill(f"{nothing}/gone.mp4")
            await page.get_by_label("Title").fill("From a link")
            await page.get_by_role("button", name="Upload", exact=True).click()
            await expect(page.get_by_role("heading", level=1)).to_have_text("Import requested")
            status = page.locator("[data-status]").first
            await expect(status).to_have_attribute(
                "data-status", "rejected", timeout=PIPELINE_TIMEOUT_MS
            )
        await expect(page.get_by_role("heading", level=1)).to_have_text("Rejected")
        await expect(status.locator(".reason")).to_have_text(
            "The link answered 404: nothing is there."
        )
        await shoot(page, screenshots, "22-import-rejected")
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_an_import_shows_how_much_of_the_link_is_read(
    web_stack: Stack, browser: Browser, screenshots: Path
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    clip = accepted_clip("tiny-2s").read_bytes()
    try:
        await register(page, new_email())
        async with serving_held_back(web.Application(), "/clip.mp4", clip) as source:
            await page.get_by_label("Or import from a link").fill(f"{source.base}/clip.mp4")
            await page.get_by_label("Title").fill("Half read")
            await page.get_by_role("button", name="Upload", exact=True).click()
            await expect(page.get_by_role("heading", level=1)).to_have_text("Import requested")
            # half of it is read, the rest held back: the badge and its bar say how far
            bar = page.get_by_role("progressbar", name="Import progress")
            await expect(bar).to_be_visible(timeout=PIPELINE_TIMEOUT_MS)
            percent = int(await bar.get_attribute("value") or "-1")
            assert 0 < percent < 100, percent
            status = page.locator("[data-status]").first
            await expect(status.locator(".badge")).to_have_text(f"importing {percent} %")
            await shoot(page, screenshots, "23-import-progress")
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_a_file_that_is_not_a_video_inside_is_refused_before_it_is_sent(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    # Named like a video, typed like one by the browser; its bytes say otherwise.
    fake = browser_media / "holiday-not.mp4"
    fake.write_bytes(b"\x00" * 4 + os.urandom(64 * 1024))
    context, page, errors = await new_page(browser, web_stack.base_url)
    sent: list[str] = []
    try:
        await register(page, new_email())
        page.on("request", lambda r: sent.append(r.url) if r.method != "GET" else None)
        await fill_upload_form(page, fake, title="Not a video inside")
        await page.get_by_role("button", name="Upload", exact=True).click()
        await expect(page.locator("#file-error")).to_have_text(
            "“holiday-not.mp4” does not look like a video; choose a video file."
        )
        await expect(page.get_by_label("Video file")).to_be_focused()
        await shoot(page, screenshots, "25-not-a-video-refused")
        assert sent == [], sent
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_cancelling_an_upload_keeps_nothing(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    clip = write_mp4_header_then_noise(browser_media / "to-cancel.mp4", size=256 * 1024)
    context, page, errors = await new_page(browser, web_stack.base_url)
    held = asyncio.Event()
    released = asyncio.Event()

    async def hold(route: Route) -> None:
        if route.request.method != "PUT":
            await route.continue_()
            return
        held.set()
        await released.wait()
        await route.abort()

    try:
        await register(page, new_email())
        # The bytes go to the emulator, another origin: hold them there.
        await page.route(lambda url: not url.startswith(web_stack.base_url), hold)
        await fill_upload_form(page, clip, title="Changed my mind")
        await page.get_by_role("button", name="Upload", exact=True).click()
        await asyncio.wait_for(held.wait(), timeout=30)
        await expect(page.locator("#upload-progress")).to_be_visible()
        await shoot(page, screenshots, "21-uploading")
        await page.get_by_role("button", name="Cancel upload").click()
        await expect(page.get_by_role("alert")).to_have_text("Upload cancelled; nothing was kept.")
        released.set()
        await shoot(page, screenshots, "22-cancelled")

        # The form is there again, and the library does not list the abandoned video.
        await expect(page.get_by_role("button", name="Upload", exact=True)).to_be_enabled()
        await page.get_by_role("navigation").get_by_role("link", name="My library").click()
        await expect(page.get_by_text("No videos yet.")).to_be_visible()
        await expect(page.get_by_text("Changed my mind")).to_have_count(0)
        assert not errors.seen, errors.seen
    finally:
        released.set()
        await context.close()


async def test_a_large_file_goes_up_in_parallel_parts_and_a_failed_part_is_retried(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    # Not a video: multipart is about the bytes; the rejection proves they all arrived.
    big = write_mp4_header_then_noise(  # three parts
        browser_media / "big.mp4", size=2 * MULTIPART_THRESHOLD + 1024**2
    )
    context, page, errors = await new_page(browser, web_stack.base_url)
    attempts: dict[int, int] = {}
    open_parts: set[Request] = set()
    most_open = 0

    def part_number(request: Request) -> int | None:
        query = parse_qs(urlsplit(request.url).query)
        if request.method != "PUT" or "partNumber" not in query:
            return None
        return int(query["partNumber"][0])

    async def flaky_storage(route: Route) -> None:
        part = part_number(route.request)
        if part is not None:
            attempts[part] = attempts.get(part, 0) + 1
            if part == 2 and attempts[part] == 1:
                await route.abort("connectionreset")  # the first try of part 2 fails
                return
        await route.continue_()

    completed: list[dict[str, object]] = []

    def on_request(request: Request) -> None:
        nonlocal most_open
        if request.url.endswith("/upload/complete"):
            body = request.post_data_json
            assert isinstance(body, dict)
            completed.append(body)
        if part_number(request) is not None:
            open_parts.add(request)
            most_open = max(most_open, len(open_parts))

    def on_done(request: Request) -> None:
        open_parts.discard(request)

    try:
        await register(page, new_email())
        await page.route(lambda url: not url.startswith(web_stack.base_url), flaky_storage)
        page.on("request", on_request)
        page.on("requestfinished", on_done)
        page.on("requestfailed", on_done)
        await fill_upload_form(page, big, title="Three parts")
        await page.get_by_role("button", name="Upload", exact=True).click()
        # The upload's own screen (headed "Uploaded", then "Rejected" once probed).
        await expect(page.get_by_role("link", name="Open the video")).to_be_visible(timeout=60_000)
        await expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
        assert attempts == {1: 1, 2: 2, 3: 1}
        assert most_open >= 2, "the parts went one after another"
        assert len(completed) == 1
        parts = completed[0]["parts"]
        assert isinstance(parts, list)
        assert [p["part_number"] for p in parts] == [1, 2, 3]
        assert all(p["etag"] for p in parts)
        status = page.locator("[data-status]").first
        await expect(status).to_have_attribute(
            "data-status", "rejected", timeout=PIPELINE_TIMEOUT_MS
        )
        await shoot(page, screenshots, "23-multipart-done")
        assert not errors.seen, errors.seen
    finally:
        await context.close()
