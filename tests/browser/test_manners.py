"""Manners: forms checked before anything is sent, the API's own sentences shown for what only
it can know, everything reachable by keyboard, phone width without sideways scrolling, and the
session kept alive without the person noticing."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, Request, expect

from tests.browser.conftest import PHONE, new_page, shoot
from tests.browser.pages import PASSWORD, log_out, new_email, register
from tests.media import write_text
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


class Calls:
    """The API calls a page makes, by method and path."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.made: list[str] = []
        self.base_url = base_url
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if request.url.startswith(f"{self.base_url}/v1/"):
            path = request.url.removeprefix(self.base_url).split("?")[0]
            self.made.append(f"{request.method} {path}")


async def api_problem(stack: Stack, path: str, body: dict[str, str]) -> str:
    """The `detail` the API answers `body` with: the sentence the page must show."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{stack.base_url}{path}", json=body) as response,
    ):
        assert response.content_type == "application/problem+json"
        detail: str = (await response.json())["detail"]
        return detail


async def test_forms_are_checked_before_anything_is_sent(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    calls = Calls(page, web_stack.base_url)
    try:
        await page.goto("/register")
        await page.get_by_label("E-mail").fill("not an address")
        await page.get_by_label("Password").fill("short1")
        await page.get_by_role("button", name="Create account").click()
        await expect(page.locator("#email-error")).to_have_text("This is not an e-mail address.")
        await expect(page.locator("#password-error")).to_have_text("Use at least 8 characters.")
        await expect(page.get_by_label("E-mail")).to_be_focused()
        await expect(page.get_by_label("E-mail")).to_have_attribute("aria-invalid", "true")
        await shoot(page, screenshots, "40-register-invalid")
        assert calls.made == []

        await register(page, new_email())
        calls.made.clear()
        await page.get_by_role("button", name="Upload", exact=True).click()
        await expect(page.locator("#file-error")).to_have_text("Choose a video file.")
        await expect(page.locator("#title-error")).to_have_text("Give the video a title.")
        await expect(page.get_by_label("Video file")).to_be_focused()

        notes = write_text(browser_media / "notes.txt")
        await page.get_by_label("Video file").set_input_files(str(notes))
        await page.get_by_label("Tags (optional)").fill(", ".join(f"t{i}" for i in range(21)))
        await page.get_by_role("button", name="Upload", exact=True).click()
        await expect(page.locator("#file-error")).to_contain_text("does not look like a video")
        await expect(page.locator("#tags-error")).to_have_text("Use at most 20 tags.")
        await shoot(page, screenshots, "41-upload-invalid")
        # Only the header's own look-ups (who is logged in, the unread count) went out.
        header = {"GET /v1/me", "GET /v1/notifications"}
        assert [c for c in calls.made if c not in header] == [], calls.made
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_what_only_the_api_knows_is_shown_in_its_own_words(
    web_stack: Stack, browser: Browser, screenshots: Path
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        email = new_email()
        await register(page, email)
        await log_out(page)

        wrong = {"email": email, "password": "wrong password 1"}
        await page.goto("/login")
        await page.get_by_label("E-mail").fill(wrong["email"])
        await page.get_by_label("Password").fill(wrong["password"])
        await page.get_by_role("button", name="Log in").click()
        expected = await api_problem(web_stack, "/v1/auth/login", wrong)
        await expect(page.get_by_role("alert")).to_have_text(expected)
        await shoot(page, screenshots, "42-login-refused")

        taken = {"email": email, "password": PASSWORD}
        await page.goto("/register")
        await page.get_by_label("E-mail").fill(email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Create account").click()
        expected = await api_problem(web_stack, "/v1/auth/register", taken)
        await expect(page.get_by_role("alert")).to_have_text(expected)
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_logging_in_takes_only_the_keyboard(web_stack: Stack, browser: Browser) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        email = new_email()
        await register(page, email)
        await log_out(page)
        await page.goto("/")
        await expect(
            page.get_by_role("navigation").get_by_role("link", name="Log in")
        ).to_be_visible()
        # Tab from the top of the page to the "Log in" link, then through the form.
        for _ in range(10):
            await page.keyboard.press("Tab")
            if await page.evaluate("() => document.activeElement.textContent === 'Log in'"):
                break
        else:
            raise AssertionError("ten presses of Tab never reached the Log in link")
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        # The new screen takes the focus as it appears, so the Tabs below start from it.
        await expect(page.locator("main")).to_be_focused()
        for _ in range(15):
            await page.keyboard.press("Tab")
            if await page.evaluate("() => document.activeElement.id === 'email'"):
                break
        else:
            raise AssertionError("fifteen presses of Tab never reached the e-mail field")
        await page.keyboard.type(email)
        await page.keyboard.press("Tab")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", name="My library")).to_be_visible()
        # After a navigation the focus is at the start of the new screen.
        await expect(page.locator("main")).to_be_focused()
        assert not errors.seen, errors.seen
    finally:
        await context.close()


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/upload", "/library"])
async def test_every_screen_fits_a_phone(
    web_stack: Stack, browser: Browser, screenshots: Path, path: str
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url, viewport=PHONE)
    try:
        if path in {"/upload", "/library"}:
            await register(page, new_email())
        await page.goto(path)
        await expect(page.locator("main h1")).to_be_visible()
        wider = await page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wider <= 0, f"{path} scrolls sideways by {wider} px at phone width"
        await shoot(page, screenshots, f"50-phone{path.replace('/', '-') or '-feed'}")
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_a_refused_token_is_refreshed_once_without_the_person_noticing(
    web_stack: Stack, browser: Browser
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    calls = Calls(page, web_stack.base_url)
    try:
        await register(page, new_email())
        # The access token goes bad (revoked, say) while the refresh token still works.
        await page.evaluate(
            """() => {
              const s = JSON.parse(localStorage.getItem("videoshare.session"));
              s.access_token = s.access_token.slice(0, -8) + "AAAAAAAA";
              localStorage.setItem("videoshare.session", JSON.stringify(s));
            }"""
        )
        await page.goto("/library")
        await expect(page.get_by_text("No videos yet.")).to_be_visible()
        assert calls.made.count("POST /v1/auth/refresh") == 1, calls.made
        assert calls.made.count("GET /v1/videos") == 2, calls.made  # refused, then answered
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_a_token_about_to_expire_is_refreshed_before_it_is_used(
    web_stack: Stack, browser: Browser
) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    calls = Calls(page, web_stack.base_url)
    try:
        await register(page, new_email())
        before = await page.evaluate("() => localStorage.getItem('videoshare.session')")
        await page.evaluate(
            """() => {
              const s = JSON.parse(localStorage.getItem("videoshare.session"));
              s.expires_at = Date.now() + 5000;
              localStorage.setItem("videoshare.session", JSON.stringify(s));
            }"""
        )
        calls.made.clear()
        await page.goto("/library")
        await expect(page.get_by_text("No videos yet.")).to_be_visible()
        assert calls.made[0] == "POST /v1/auth/refresh", calls.made
        assert calls.made.count("POST /v1/auth/refresh") == 1, calls.made
        after = await page.evaluate("() => localStorage.getItem('videoshare.session')")
        assert after != before
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_an_ended_session_asks_to_log_in_again(web_stack: Stack, browser: Browser) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        await register(page, new_email())
        await page.evaluate(
            """() => {
              const s = JSON.parse(localStorage.getItem("videoshare.session"));
              s.access_token = "x.y.z";
              s.refresh_token = "not-a-refresh-token";
              localStorage.setItem("videoshare.session", JSON.stringify(s));
            }"""
        )
        await page.goto("/library")
        await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        await expect(page.get_by_role("status")).to_have_text("Please log in first.")
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def test_a_file_dropped_on_the_form_is_picked(web_stack: Stack, browser: Browser) -> None:
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        await register(page, new_email())
        dropped = await page.evaluate_handle(
            """() => {
              const data = new DataTransfer();
              data.items.add(new File([new Uint8Array(2048)], "Beach day.mp4",
                                      {type: "video/mp4"}));
              return data;
            }"""
        )
        zone = page.locator(".dropzone")
        await zone.dispatch_event("dragover", {"dataTransfer": dropped})
        await expect(zone).to_have_class(re.compile(r"\bdragging\b"))
        await zone.dispatch_event("drop", {"dataTransfer": dropped})
        await expect(zone).not_to_have_class(re.compile(r"\bdragging\b"))
        await expect(page.locator(".picked")).to_have_text("Beach day.mp4 · 2.0 KB")
        await expect(page.get_by_label("Title")).to_have_value("Beach day")
        assert not errors.seen, errors.seen
    finally:
        await context.close()
