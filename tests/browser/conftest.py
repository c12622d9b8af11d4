"""The browser tier: the whole stack as real processes (one stack for the package), and
Debian's chromium driven by Playwright's async API.

The stack is provisioned with the ingress's own address as the web origin, so the bucket's CORS
rule lets the page PUT the bytes and read the ETags. Screenshots land in
test-artifacts/browser/.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
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
from tests.e2e.conftest import Stack
from tests.support import child_env, unique_stack
from videoshare.aws import open_clients
from videoshare.infra.provision import provision
from videoshare.local.emulator import Emulator, free_port
from videoshare.settings import Settings
from videoshare.workers import WORKERS

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
# Generous: two cores are shared with other work, and six processes import at once.
READY_TIMEOUT_S = 90
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)


@pytest.fixture(scope="package")
async def web_stack(emulator: Emulator) -> AsyncIterator[Stack]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        stack=unique_stack("web"),
        aws_endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        api_port=port,
        web_origin=base_url,
    )
    async with open_clients(settings) as aws:
        await provision(aws, settings)
    env = child_env(
        settings,
        VIDEOSHARE_API_PORT=str(port),
        VIDEOSHARE_WEB_ORIGIN=base_url,
        VIDEOSHARE_WAIT_TIME_S="2",
        # The smallest threshold S3 allows, so a small file already goes multipart.
        VIDEOSHARE_MULTIPART_THRESHOLD_BYTES=str(MULTIPART_THRESHOLD),
        VIDEOSHARE_MULTIPART_PART_SIZE_BYTES=str(MULTIPART_THRESHOLD),
    )
    running = Stack(settings, base_url)
    running.start("ingress", ["api"], env)
    for name in WORKERS:
        running.start(name, ["worker", name], env)
    try:
        await wait_ready(running)
        yield running
    finally:
        codes = running.stop()
        bad = {name: code for name, code in codes.items() if code != 0}
        assert not bad, f"processes did not stop cleanly: {bad} (logs in {ARTIFACTS})"


async def wait_ready(stack: Stack) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while time.monotonic() < deadline:
            dead = [name for name, up in stack.alive().items() if not up]
            assert not dead, f"{dead} exited at start; see {[str(stack.logs[n]) for n in dead]}"
            try:
                async with http.get(f"{stack.base_url}/readyz") as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"the ingress was not ready in {READY_TIMEOUT_S} s: {stack.logs}")


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
