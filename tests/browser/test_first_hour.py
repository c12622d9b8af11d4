"""What a person new to the app ran into in their first hour: the app's own "page not found",
who is logged in (and who uploaded a video) by name, the unread count, a notification about a
deleted video, no "Edit" for a rejected video, and phone width (the search row stacks, the menu
folds away)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, new_page, shoot
from tests.browser.pages import (
    PIPELINE_TIMEOUT_MS,
    fill_upload_form,
    new_email,
    register,
)
from tests.media import write_mp4_header_then_noise
from tests.stack import Stack
from tests.support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def api(page: Page, method: str, path: str) -> Any:
    """The API's answer to the page's user (with the token the page holds)."""
    return await page.evaluate(
        """async ([method, path]) => {
          const token = JSON.parse(localStorage.getItem("videoshare.session")).access_token;
          const r = await fetch(path, {method, headers: {Authorization: `Bearer ${token}`}});
          const text = await r.text();
          return text ? JSON.parse(text) : null;
        }""",
        [method, path],
    )


async def test_an_unknown_address_shows_the_apps_own_page_not_found(
    web_stack: Stack, browser: Browser, screenshots: Path
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        response = await page.goto("/videos-of-cats")
        assert response is not None
        assert response.status == 404
        await expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        await expect(page).to_have_title("Page not found · videoshare")
        await shoot(page, screenshots, "60-page-not-found")
        await page.get_by_role("link", name="See the latest videos").click()
        await expect(page.get_by_role("heading", name="Latest videos")).to_be_visible()
        assert not errors.seen, errors.seen
    finally:
        await context.close()


@pytest.mark.timeout(240)
async def test_a_rejected_video_its_notification_and_the_header(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    fake = write_mp4_header_then_noise(browser_media / "first-hour.mp4", size=32 * 1024)
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        await register(page, new_email())  # as "Web Tester"
        nav = page.get_by_role("navigation")
        await expect(nav.locator(".who")).to_have_text("Web Tester")
        await expect(nav.locator(".unread")).to_have_count(0)

        await fill_upload_form(page, fake, title="Not a film")
        await page.get_by_role("button", name="Upload", exact=True).click()
        status = page.locator("[data-status]").first
        await expect(status).to_have_attribute(
            "data-status", "rejected", timeout=PIPELINE_TIMEOUT_MS
        )
        href = await page.get_by_role("link", name="Open the video").get_attribute("href")
        assert href is not None
        video_id = href.rsplit("/", 1)[1]

        # A rejected video offers Delete, never Edit: in the library and on its page.
        await nav.get_by_role("link", name="My library").click()
        item = page.locator(".library-item", has_text="Not a film")
        await expect(item.get_by_role("button", name="Delete “Not a film”")).to_be_visible()
        await expect(item.get_by_role("button", name="Edit “Not a film”")).to_have_count(0)
        await item.get_by_role("link", name="Not a film").click()
        await expect(page.locator(".byline")).to_have_text("by Web Tester")  # its uploader
        await expect(page.get_by_role("button", name="Delete")).to_be_visible()
        await expect(page.get_by_role("link", name="Edit details")).to_have_count(0)

        # The notification of the rejection is counted as unread until the inbox is opened.
        async def notified() -> bool:
            inbox = await api(page, "GET", "/v1/notifications")
            return any(n["video_id"] == video_id for n in inbox["items"])

        await eventually(notified, timeout_s=60, interval_s=0.5, what="the notification")
        await nav.get_by_role("link", name="My library").click()
        await expect(nav.locator(".unread")).to_have_text("1")
        await expect(nav.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
        await shoot(page, screenshots, "61-unread")
        await nav.get_by_role("link", name="Notifications").click()
        note = page.locator(".notifications li").first
        await expect(note.get_by_role("link", name="Open the video")).to_be_visible()
        await expect(nav.locator(".unread")).to_have_count(0)

        # Once the video is deleted, its notification says so instead of linking to a 404.
        await api(page, "DELETE", f"/v1/videos/{video_id}")
        await page.reload()
        await expect(note.locator(".deleted")).to_have_text("This video was deleted.")
        await expect(note.get_by_role("link", name="Open the video")).to_have_count(0)
        await expect(nav.locator(".unread")).to_have_count(0)  # seen stays seen
        await shoot(page, screenshots, "62-notification-deleted")
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_at_phone_width_the_search_row_stacks_and_the_menu_folds_away(
    web_stack: Stack, browser: Browser, screenshots: Path
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url, viewport=PHONE)
    try:
        await register(page, new_email())
        await page.goto("/")
        search, tag = page.get_by_label("Search"), page.get_by_label("Tag")
        menu = page.get_by_role("button", name="Menu")
        library = page.get_by_role("navigation").get_by_role("link", name="My library")

        # Folded: only the brand and "Menu" show; "Menu" opens the links, a link closes them.
        await expect(menu).to_be_visible()
        await expect(menu).to_have_attribute("aria-expanded", "false")
        await expect(library).to_be_hidden()
        await assert_stacked(page, above=search, below=tag)
        await shoot(page, screenshots, "63-phone-folded")
        await menu.click()
        await expect(menu).to_have_attribute("aria-expanded", "true")
        await expect(library).to_be_visible()
        await shoot(page, screenshots, "64-phone-menu-open")
        await library.click()
        await expect(page.get_by_role("heading", name="My library")).to_be_visible()
        await expect(library).to_be_hidden()

        # At 1280 px the same page keeps the links in the header and the search in one row.
        await page.set_viewport_size(DESKTOP)
        await page.goto("/")
        await expect(menu).to_be_hidden()
        await expect(library).to_be_visible()
        search_box, tag_box = await search.bounding_box(), await tag.bounding_box()
        assert search_box is not None
        assert tag_box is not None
        assert search_box["y"] == pytest.approx(tag_box["y"], abs=2), (search_box, tag_box)
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def assert_stacked(page: Page, *, above: Any, below: Any) -> None:
    """`above` sits wholly over `below`, each as wide as the page's content."""
    top, bottom = await above.bounding_box(), await below.bounding_box()
    assert top is not None
    assert bottom is not None
    assert top["y"] + top["height"] <= bottom["y"], (top, bottom)
    width = PHONE["width"]
    assert top["width"] > 0.8 * width, top
    assert bottom["width"] > 0.8 * width, bottom
