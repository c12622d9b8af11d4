"""What the browser tests do on the page, as a person would (no tests here)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

PASSWORD = "correct horse 42"
# Polled with Playwright's own deadline; generous because the two cores are shared.
PIPELINE_TIMEOUT_MS = 120_000


def new_email() -> str:
    return f"web-{uuid.uuid4().hex[:10]}@example.com"


async def register(page: Page, email: str, password: str = PASSWORD) -> None:
    await page.goto("/register")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_label("Display name (optional)").fill("Web Tester")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("heading", name="Upload a video")).to_be_visible()


async def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    await page.get_by_role("navigation").get_by_role("link", name="Log in").click()
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="My library")).to_be_visible()


async def log_out(page: Page) -> None:
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("status").filter(has_text="You are logged out.")).to_be_visible()


async def fill_upload_form(
    page: Page, clip: Path, *, title: str, tags: str = "", visibility: str = "private"
) -> None:
    await page.get_by_role("navigation").get_by_role("link", name="Upload").click()
    await page.get_by_label("Video file").set_input_files(str(clip))
    await page.get_by_label("Title").fill(title)
    await page.get_by_label("Description (optional)").fill("Made by the browser test.")
    await page.get_by_label("Tags (optional)").fill(tags)
    await page.get_by_label("Who can watch it").select_option(visibility)


async def record_progress_values(page: Page) -> None:
    """From now on, keep every value the upload progress bar shows in window.__progress."""
    await page.evaluate(
        """() => {
          window.__progress = [];
          new MutationObserver(() => {
            const bar = document.getElementById("upload-progress");
            if (bar) window.__progress.push(Number(bar.value));
          }).observe(document.body, {subtree: true, childList: true, attributes: true});
        }"""
    )


async def api_video(page: Page, video_id: str) -> dict[str, Any]:
    """The video as the API shows it to the page's user (with the token the page holds)."""
    video: dict[str, Any] = await page.evaluate(
        """async (id) => {
          const token = JSON.parse(localStorage.getItem("videoshare.session")).access_token;
          const r = await fetch(`/v1/videos/${id}`, {headers: {Authorization: `Bearer ${token}`}});
          return r.json();
        }""",
        video_id,
    )
    return video


async def record_status_percentages(page: Page) -> None:
    """From now on, keep every percentage a status badge shows in window.__percentages."""
    await page.evaluate(
        """() => {
          window.__percentages = [];
          const keep = () => {
            for (const badge of document.querySelectorAll("[data-status] .badge")) {
              const found = badge.textContent.match(/(-?[\\d.]+) %/);
              if (found) window.__percentages.push(Number(found[1]));
            }
          };
          new MutationObserver(keep).observe(document.body, {
            subtree: true, childList: true, attributes: true, characterData: true,
          });
        }"""
    )


async def play_until_past(page: Page, seconds: float) -> None:
    """Once the player has data, play (muted, so no autoplay rule stops it) until
    `currentTime` has passed `seconds`."""
    await page.wait_for_function(
        "() => document.querySelector('video').readyState >= 2", timeout=30_000
    )
    await page.locator("video").evaluate("v => { v.muted = true; return v.play(); }")
    await page.wait_for_function(
        f"() => document.querySelector('video').currentTime > {seconds}", timeout=30_000
    )
