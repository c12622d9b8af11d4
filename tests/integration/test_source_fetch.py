"""The importer's fetch of a link (`adapters/source_fetch.py`) against a hostile server on
loopback: refused when private addresses are not allowed, every redirect checked again, a body
cut at the cap whatever its headers say, a 404 and an HTML page named for what they are, the
announced size passed on (the importer's progress)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.support import serving
from videoshare.adapters import source_fetch
from videoshare.adapters.source_fetch import GuardedSourceFetcher
from videoshare.adapters.webhooks import check_target
from videoshare.tcp_ports import free_port
from videoshare.usecases.ports import SourceUnavailable

pytestmark = pytest.mark.integration

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 5000
CAP = 100_000


class Served:
    def __init__(self) -> None:
        self.sent = 0  # bytes of the endless body written so far


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Served]]:
    served = Served()

    async def video(request: web.Request) -> web.Response:
        return web.Response(body=VIDEO, content_type="video/mp4")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query.get("to", "/video.mp4"))

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><p>not a video</p>", content_type="text/html")

    async def endless(request: web.Request) -> web.StreamResponse:
        # no Content-Length (chunked), and far more than the cap
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        await response.prepare(request)
        for _ in range(10 * CAP // 4096):
            await response.write(b"\x00" * 4096)
            served.sent += 4096
        return response

    async def announced(request: web.Request) -> web.Response:
        return web.Response(body=b"\x00" * (CAP + 1), content_type="video/mp4")

    app = web.Application()
    app.router.add_get("/video.mp4", video)
    app.router.add_get("/moved", moved)
    app.router.add_get("/loop", loop)
    app.router.add_get("/page", page)
    app.router.add_get("/endless", endless)
    app.router.add_get("/announced", announced)
    async with serving(app) as base:
        yield base, served


async def fetch(url: str, *, allow_private: bool = True, max_bytes: int = CAP) -> bytes:
    fetcher = GuardedSourceFetcher(timeout_s=30, max_redirects=3)
    return b"".join(
        [c async for c in fetcher.stream(url, max_bytes=max_bytes, allow_private=allow_private)]
    )


async def refusal(url: str, **kwargs: Any) -> SourceUnavailable:
    with pytest.raises(SourceUnavailable) as raised:
        await fetch(url, **kwargs)
    return raised.value


async def test_a_video_is_fetched_through_a_redirect(server: tuple[str, Served]) -> None:
    base, _ = server
    assert await fetch(f"{base}/moved") == VIDEO


async def test_the_size_an_answer_announces_is_passed_on_and_none_when_it_announces_none(
    server: tuple[str, Served],
) -> None:
    base, _ = server
    fetcher = GuardedSourceFetcher(timeout_s=30, max_redirects=3)
    for path, announced in (("/moved", [len(VIDEO)]), ("/endless", [])):
        lengths: list[int] = []
        chunks = fetcher.stream(
            f"{base}{path}", max_bytes=CAP, allow_private=True, on_length=lengths.append
        )
        with contextlib.suppress(SourceUnavailable):  # the endless one is cut at the cap
            async for _ in chunks:
                pass
        assert lengths == announced  # the video's, not the redirect's


async def test_a_loopback_link_is_refused_where_private_addresses_are_not_allowed(
    server: tuple[str, Served],
) -> None:
    base, _ = server
    refused = await refusal(f"{base}/video.mp4", allow_private=False)
    assert refused.code == "refused"
    assert "not public" in refused.reason


async def test_a_redirect_to_a_private_address_is_refused_at_that_hop(
    server: tuple[str, Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = server
    first = f"{base}/moved?to={base}/video.mp4"

    async def first_hop_is_public(url: str, *, allow_private: bool) -> None:
        # as if the link itself were on a public host: only the redirect is loopback
        if url != first:
            await check_target(url, allow_private=allow_private)

    monkeypatch.setattr(source_fetch, "check_target", first_hop_is_public)
    refused = await refusal(first, allow_private=False)
    assert refused.code == "refused"
    assert "127.0.0.1" in refused.reason


async def test_endless_redirects_stop(server: tuple[str, Served]) -> None:
    base, _ = server
    assert (await refusal(f"{base}/loop")).code == "refused"


async def test_a_body_past_the_cap_without_a_content_length_is_cut_at_the_cap(
    server: tuple[str, Served],
) -> None:
    base, served = server
    refused = await refusal(f"{base}/endless")
    assert refused.code == "too_large"
    assert served.sent < 10 * CAP  # the fetch stopped reading; the server did not finish


async def test_a_content_length_past_the_cap_is_refused_before_the_body(
    server: tuple[str, Served],
) -> None:
    base, _ = server
    assert (await refusal(f"{base}/announced")).code == "too_large"


async def test_a_404_and_an_html_page_say_what_they_are(server: tuple[str, Served]) -> None:
    base, _ = server
    assert (await refusal(f"{base}/nothing-here.mp4")).code == "not_found"
    page = await refusal(f"{base}/page")
    assert page.code == "not_a_video"
    assert "text/html" in page.reason


async def test_a_closed_port_is_unreachable() -> None:
    refused = await refusal(f"http://127.0.0.1:{free_port()}/video.mp4")
    assert refused.code == "unreachable"
