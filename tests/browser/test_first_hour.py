"""What a person new to the app ran into in their first hour: the app's own "page not found"."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import new_page, shoot
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


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
