"""The web app follows a video across event-stream ends: the server ends each stream after
`VIDEOSHARE_EVENTS_MAX_LIFETIME_S` (2 s on this stack) with a `retry:` hint, the page's
EventSource reconnects with `Last-Event-ID`, and a change made while it was reconnecting still
reaches the page, and nothing it already said is said again."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Request, expect

from tests.browser.conftest import new_page, shoot
from tests.browser.pages import PIPELINE_TIMEOUT_MS, new_email, register
from tests.media import make_clip
from tests.stack import Stack
from tests.support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Every status event the page's EventSources hear, in window.__heard (before the app runs).
KEEP_STREAM_EVENTS = """
  window.__heard = [];
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("status", (event) => window.__heard.push(event.data));
    }
  };
"""


@pytest.mark.timeout(300)
async def test_the_watch_page_resumes_its_event_stream_and_sees_the_video_ready(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    clip = make_clip(browser_media / "live.mp4", seconds=1, width=160, height=120)
    data = clip.read_bytes()
    context, page, errors = await new_page(browser, web_stack.base_url)
    streams: list[dict[str, str]] = []

    async def on_request(request: Request) -> None:
        if request.url.split("?")[0].endswith("/events"):
            streams.append(await request.all_headers())

    page.on("request", on_request)
    try:
        await register(page, new_email())
        created = await page.evaluate(
            """async (size) => {
              const token = JSON.parse(localStorage.getItem("videoshare.session")).access_token;
              const r = await fetch("/v1/videos", {
                method: "POST",
                headers: {Authorization: `Bearer ${token}`, "Content-Type": "application/json"},
                body: JSON.stringify({title: "Live", visibility: "private", filename: "live.mp4",
                                      content_type: "video/mp4", size_bytes: size}),
              });
              return r.json();
            }""",
            len(data),
        )
        await page.add_init_script(KEEP_STREAM_EVENTS)
        await page.goto(f"/videos/{created['video']['id']}")
        status = page.locator("[data-status]").first
        await expect(status).to_have_attribute("data-status", "awaiting_upload")

        def resumed() -> bool:
            return any("last-event-id" in headers for headers in streams)

        await eventually(resumed, timeout_s=30, what="the page's stream to reconnect and resume")
        upload = created["upload"]
        async with (
            aiohttp.ClientSession() as http,
            http.put(upload["url"], data=data, headers=upload["headers"]) as put,
        ):
            assert put.status == 200
        # Ready: the page (still never reloaded) shows the player instead of the status.
        await expect(page.locator("video")).to_be_visible(timeout=PIPELINE_TIMEOUT_MS)
        await shoot(page, screenshots, "40-resumed-to-ready")
        assert streams[0].get("last-event-id") is None  # the first stream starts afresh
        heard = [json.loads(data)["status"] for data in await page.evaluate("window.__heard")]
        assert heard[0] == "awaiting_upload"
        assert heard[-1] == "ready"
        assert all(a != b for a, b in itertools.pairwise(heard)), heard  # no repeats on resume
        assert not errors.seen, errors.seen
    finally:
        await context.close()
