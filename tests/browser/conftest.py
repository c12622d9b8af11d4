"""The browser tier: the whole stack as real processes (one stack for the package), and
Debian's chromium driven by Playwright's async API.

The stack is provisioned with the ingress's own address as the web origin, so the bucket's CORS
rule lets the page PUT the bytes and read the ETags. Screenshots land in
test-artifacts/browser/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Error,
    Page,
    ViewportSize,
    async_playwright,
)

from tests.conftest import ARTIFACTS
from tests.stack import Stack, running_stack
from videoshare.local.emulator import Emulator

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ARTIFACTS / "browser"
# The closed network here refuses background connections; these keep chromium from trying.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
MULTIPART_THRESHOLD = 5 * 1024**2
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)
STREAM_LIFETIME_S = 2


@pytest.fixture(scope="package")
async def web_stack(emulator: Emulator) -> AsyncIterator[Stack]:
    # The smallest threshold S3 allows, so a small file already goes multipart.
    env = {
        "VIDEOSHARE_MULTIPART_THRESHOLD_BYTES": str(MULTIPART_THRESHOLD),
        "VIDEOSHARE_MULTIPART_PART_SIZE_BYTES": str(MULTIPART_THRESHOLD),
        # "Import from a link" may name a server on this machine (test_uploads.py)
        "VIDEOSHARE_IMPORT_ALLOW_PRIVATE_SOURCES": "true",
        # views reach the records within half a second, so a page shows them soon
        "VIDEOSHARE_VIEWS_FLUSH_INTERVAL_S": "0.5",
        # Event streams end often, as behind API Gateway: every page that watches a video
        # resumes across stream ends (test_live.py checks that it does).
        "VIDEOSHARE_EVENTS_MAX_LIFETIME_S": str(STREAM_LIFETIME_S),
    }
    async with running_stack(emulator.endpoint, "web", env=env) as running:
        yield running


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it with apt-get")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


class PageErrors:
    """Uncaught exceptions in the page: a test ends by asserting there were none."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, error: Error) -> None:
        self.seen.append(f"{error.name}: {error.message}")


async def new_page(
    browser: Browser, base_url: str, *, viewport: ViewportSize = DESKTOP
) -> tuple[BrowserContext, Page, PageErrors]:
    context = await browser.new_context(
        base_url=base_url,
        viewport=viewport,
        accept_downloads=True,
    )
    page = await context.new_page()
    errors = PageErrors()
    page.on("pageerror", errors)
    return context, page, errors


@pytest.fixture(scope="package")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


async def shoot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture(scope="package")
def browser_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-media")
