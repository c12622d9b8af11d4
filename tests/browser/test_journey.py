"""A person's whole journey through the web app, in Debian's chromium against the real stack:
register → log in → upload a clip through the page (progress to 100 %) → `ready` without a
reload → it plays (a view) → the download works → its link is copied → edit → the feed's most
viewed → delete; a forgotten password reset with its code, the password changed, the account
deleted; and what others may not see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import new_page, shoot
from tests.browser.pages import (
    PASSWORD,
    PIPELINE_TIMEOUT_MS,
    fill_upload_form,
    log_in,
    log_out,
    new_email,
    play_until_past,
    record_progress_values,
    register,
)
from tests.media import image_bytes, make_clip
from tests.stack import Stack
from tests.support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.mark.timeout(300)
async def test_register_upload_watch_download_edit_delete(
    web_stack: Stack, browser: Browser, screenshots: Path, browser_media: Path
) -> None:
    clip = make_clip(browser_media / "holiday.mp4", seconds=3)
    context, page, errors = await new_page(browser, web_stack.base_url)
    try:
        await page.goto("/")
        await expect(page.get_by_role("heading", name="Latest videos")).to_be_visible()
        await shoot(page, screenshots, "01-feed")

        email = new_email()
        await register(page, email)
        await shoot(page, screenshots, "02-registered")
        await log_out(page)
        await log_in(page, email)
        await shoot(page, screenshots, "03-library-empty")

        # Upload through the page; the bar climbs to 100 %.
        await fill_upload_form(page, clip, title="Holiday clip", tags="holiday, sea")
        await shoot(page, screenshots, "04-upload-form")
        await page.evaluate("() => { window.__sameDocument = true; }")
        await record_progress_values(page)
        await page.get_by_role("button", name="Upload", exact=True).click()
        await expect(page.get_by_role("heading", name="Uploaded")).to_be_visible()
        bar = page.locator("#upload-progress")
        await expect(bar).to_have_attribute("value", "100")
        seen: list[float] = await page.evaluate("() => window.__progress")
        assert seen, "the progress bar never showed"
        assert seen == sorted(seen), f"the progress bar went backwards: {seen}"
        numbers = await page.locator("#upload-numbers").inner_text()
        sent, total = numbers.removeprefix("100 % · ").split(" of ")
        assert numbers.startswith("100 %"), numbers
        assert sent == total.strip(), numbers

        # The status turns ready on the same page, without a reload.
        status = page.locator("[data-status]").first
        await expect(status).to_have_attribute("data-status", "ready", timeout=PIPELINE_TIMEOUT_MS)
        assert await page.evaluate("() => window.__sameDocument === true")
        await shoot(page, screenshots, "05-uploaded-ready")

        # The library shows it ready too; its page plays it.
        await page.get_by_role("navigation").get_by_role("link", name="My library").click()
        item = page.locator(".library-item", has_text="Holiday clip")
        await expect(item.locator("[data-status]")).to_have_attribute("data-status", "ready")
        poster = item.locator(".thumb img")
        await expect(poster).to_have_js_property("complete", True)
        assert await poster.evaluate("img => img.naturalWidth") > 0, "the poster did not load"
        await shoot(page, screenshots, "06-library")
        await item.get_by_role("link", name="Holiday clip").click()
        video = page.locator("video")
        await expect(video).to_be_visible()
        video_id = page.url.rsplit("/", 1)[1]
        # Adaptive HLS first (natively or through hls.js, whichever this chromium needs).
        await expect(video).to_have_attribute("data-engine", re.compile(r"^HLS"))
        await play_until_past(page, 0.5)
        await expect(video).to_have_attribute("data-engine", re.compile(r"^HLS"))
        await shoot(page, screenshots, "07-watch")
        # A rendition by hand: the MP4, and it plays on.
        rendition = page.get_by_label("Quality")
        mp4 = await rendition.locator("option").last.get_attribute("value")
        assert mp4 is not None
        assert mp4 != "auto"
        await rendition.select_option(mp4)
        await expect(video).to_have_attribute("data-engine", f"MP4 {mp4}")
        await play_until_past(page, 1.0)

        # The download (a private video: the page asks with its token) is the original file.
        await page.get_by_label("Download").select_option("source")
        async with page.expect_download() as download_info:
            await page.get_by_role("button", name="Download").click()
        download = await download_info.value
        saved = await download.path()
        assert saved.read_bytes() == clip.read_bytes()

        # The share link copies the watch page's address.
        await context.grant_permissions(["clipboard-read", "clipboard-write"])
        await page.get_by_role("button", name="Copy link").click()
        await expect(page.locator(".share [role=status]")).to_have_text("Link copied.")
        copied = await page.evaluate("() => navigator.clipboard.readText()")
        assert copied == f"{web_stack.base_url}/videos/{video_id}"
        await expect(page.get_by_label("Share")).to_have_value(copied)

        # Someone else sees neither the private video nor its page.
        other_context, other, other_errors = await new_page(browser, web_stack.base_url)
        try:
            await register(other, new_email())
            await other.goto(f"/videos/{video_id}")
            await expect(other.get_by_role("alert")).to_have_text(
                "There is no video with this id, or it is not yours to see."
            )
            await shoot(other, screenshots, "08-not-yours")
            await other.goto("/")
            await expect(other.get_by_role("heading", name="Latest videos")).to_be_visible()
            await expect(other.get_by_text("Holiday clip")).to_have_count(0)
            assert not other_errors.seen
        finally:
            await other_context.close()

        # Edit: a new title, public now.
        await page.get_by_role("link", name="Edit details").click()
        await expect(page.get_by_label("Title")).to_have_value("Holiday clip")
        await page.get_by_label("Title").fill("Holiday at the sea")
        await page.get_by_label("Who can watch it").select_option("public")
        await shoot(page, screenshots, "09-edit")
        await page.get_by_role("button", name="Save changes").click()
        await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
        await expect(page.get_by_role("heading", name="Holiday at the sea")).to_be_visible()
        await expect(page.locator(".meta").first).to_contain_text("public")

        # Captions and the poster, on the edit screen: an SRT file in French, a thumbnail of
        # the storyboard as the poster, then an image of one's own; the player has the track.
        await page.get_by_role("link", name="Edit details").click()
        await page.get_by_label("Language").fill("fr")
        await page.get_by_label("Name in the player (optional)").fill("Français")
        subtitles = browser_media / "holiday.srt"
        subtitles.write_text("1\n00:00:00,000 --> 00:00:02,000\nBonjour la mer\n")
        await page.get_by_label("WebVTT or SRT file").set_input_files(subtitles)
        await page.get_by_role("button", name="Add captions").click()
        await expect(page.get_by_role("status").filter(has_text="Captions added")).to_be_visible()
        await expect(page.locator(".caption-list li")).to_have_text(re.compile("Français \\(fr\\)"))
        thumbs = page.locator(".storyboard .thumb")
        await expect(thumbs.first).to_be_visible()
        await shoot(page, screenshots, "09c-captions-poster")
        await thumbs.nth(1).click()
        await expect(page.get_by_role("status").filter(has_text="Poster set")).to_be_visible()
        image = browser_media / "poster.png"
        image.write_bytes(image_bytes(640, 360))
        await page.get_by_label("Or upload an image").set_input_files(image)
        await expect(page.get_by_role("status").filter(has_text="Poster uploaded")).to_be_visible()
        # polled: the status can be said before the <img> has swapped the thumbnail for it
        current = page.locator("img.current-poster")
        await expect(current).to_have_js_property("naturalWidth", 640)
        await page.goto(f"/videos/{video_id}")
        track = page.locator("video track[srclang=fr]")
        await expect(track).to_have_attribute("label", "Français")
        cue = await page.locator("video").evaluate(
            """v => new Promise((done) => {
                const track = v.textTracks[0];
                track.mode = "hidden";
                const element = v.querySelector("track");
                const read = () => done(track.cues && track.cues.length ? track.cues[0].text : "");
                if (element.readyState === 2) read(); else element.addEventListener("load", read);
            })"""
        )
        assert cue == "Bonjour la mer"
        # the master now has a subtitles group: the stream still plays adaptively
        await expect(page.locator("video")).to_have_attribute("data-engine", re.compile(r"^HLS"))
        await play_until_past(page, 0.5)
        await expect(page.locator("video")).to_have_attribute("data-engine", re.compile(r"^HLS"))

        # Public now: anyone finds it by a word of its title, and by its tag.
        anyone_context, anyone, anyone_errors = await new_page(browser, web_stack.base_url)
        try:
            await anyone.goto("/")
            await anyone.get_by_label("Search").fill("sea")
            found = anyone.locator(".card", has_text="Holiday at the sea")

            async def search_finds_it() -> bool:
                await anyone.get_by_role("button", name="Search").click()
                await expect(anyone.get_by_role("heading", name="Search results")).to_be_visible()
                return await found.count() == 1

            await eventually(search_finds_it, timeout_s=60, interval_s=0.5, what="search")
            await expect(found.locator(".byline")).to_have_text("by Web Tester")
            await shoot(anyone, screenshots, "09b-search")
            await found.get_by_role("link", name="#holiday").click()
            await expect(anyone).to_have_url(re.compile(r"/\?tag=holiday$"))
            await expect(found).to_have_count(1)
            await anyone.get_by_label("Tag").fill("no-such-tag")
            await anyone.get_by_label("Search").fill("")
            await anyone.get_by_role("button", name="Search").click()
            await expect(anyone.get_by_text("Nothing matches; try other words.")).to_be_visible()

            # The owner's playback was a view: the feed shows it, most viewed first.
            await anyone.goto("/")
            await anyone.get_by_label("Order").select_option("views")
            await expect(anyone.get_by_role("heading", name="Most viewed")).to_be_visible()
            await expect(anyone).to_have_url(re.compile(r"/\?sort=views$"))
            viewed = anyone.locator(".card", has_text="Holiday at the sea")

            async def counted() -> bool:
                await anyone.reload()
                return await viewed.locator(".views").inner_text() == "1 view"

            await eventually(counted, timeout_s=30, interval_s=0.5, what="the view")
            await shoot(anyone, screenshots, "09c-most-viewed")
            assert not anyone_errors.seen, anyone_errors.seen
        finally:
            await anyone_context.close()

        # Notifications tell of it being ready.
        await page.get_by_role("navigation").get_by_role("link", name="Notifications").click()
        await expect(page.locator(".notifications li").first).to_be_visible()
        await shoot(page, screenshots, "10-notifications")

        # Delete, after saying yes.
        await page.goto(f"/videos/{video_id}")
        await page.get_by_role("button", name="Delete").click()
        dialog = page.get_by_role("dialog")
        await expect(dialog).to_be_visible()
        await shoot(page, screenshots, "11-delete-confirm")
        await dialog.get_by_role("button", name="Delete for good").click()
        await expect(page.get_by_role("heading", name="My library")).to_be_visible()
        await expect(page.get_by_role("status").first).to_contain_text("Deleted")
        await expect(page.locator(".library-item", has_text="Holiday")).to_have_count(0)
        await shoot(page, screenshots, "12-deleted")

        await forget_change_and_delete_the_account(page, email, screenshots)
        assert not errors.seen, errors.seen
    finally:
        await context.close()


async def forget_change_and_delete_the_account(page: Page, email: str, screenshots: Path) -> None:
    """Logged out: a new password with the code (local mode fills it in); logged in: the
    password changed back, then the account deleted, after which it cannot log in."""
    await log_out(page)
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_role("button", name="Send the code").click()
    await expect(page.get_by_label("Code")).not_to_have_value("")
    await page.get_by_label("New password").fill("battery staple 7")
    await shoot(page, screenshots, "13-new-password")
    await page.get_by_role("button", name="Set the password").click()
    await expect(page.get_by_role("status").first).to_contain_text("Your password is changed")
    await log_in(page, email, "battery staple 7")

    await page.get_by_role("navigation").get_by_role("link", name="Web Tester").click()
    await expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    await page.get_by_label("Current password").fill("wrong guess 1")
    await page.get_by_label("New password").fill(PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("alert")).to_have_text("The password is not right.")
    await page.get_by_label("Current password").fill("battery staple 7")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status").first).to_have_text("Your password is changed.")

    await page.get_by_label("Your password").fill(PASSWORD)
    await page.get_by_role("button", name="Delete my account").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await shoot(page, screenshots, "14-delete-account")
    await dialog.get_by_role("button", name="Delete for good").click()
    await expect(page.get_by_role("status").first).to_contain_text("Your account is deleted")
    await expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    await page.goto("/confirm")  # the code screen, for an address never registered
    await page.get_by_label("E-mail").fill(new_email())
    await page.get_by_label("Code").fill("123456")
    await page.get_by_role("button", name="Confirm").click()
    await expect(page.get_by_role("alert")).to_contain_text("The code does not match")
    await page.get_by_role("button", name="Send the code again").click()
    await expect(page.get_by_role("status").first).to_contain_text("A new code is on its way")
    await page.goto("/login")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "The e-mail address or the password is not right."
    )
