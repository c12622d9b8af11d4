"""The client address behind trusted proxies: spoofed X-Forwarded-For entries never count."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from videoshare.entrypoints.http.client_address import client_address, request_client_address
from videoshare.settings import Settings

ALB = "10.0.1.5"  # the load balancer, as the ingress's socket sees it


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(["203.0.113.9"], "198.51.100.7", 0) == "198.51.100.7"


def test_behind_one_proxy_the_address_it_appended_is_the_client() -> None:
    assert client_address(["203.0.113.9"], ALB, 1) == "203.0.113.9"


def test_entries_the_client_forged_to_the_left_do_not_count() -> None:
    # the client sent "X-Forwarded-For: 1.1.1.1, 2.2.2.2"; the load balancer appended its peer
    forged = ["1.1.1.1, 2.2.2.2, 203.0.113.9"]
    assert client_address(forged, ALB, 1) == "203.0.113.9"
    # several header lines are one list, in order
    assert client_address(["1.1.1.1", "203.0.113.9"], ALB, 1) == "203.0.113.9"


def test_two_proxies_count_two_hops_from_the_right() -> None:
    chain = ["6.6.6.6, 203.0.113.9, 10.0.0.20"]  # forged, client, CDN → ALB
    assert client_address(chain, ALB, 2) == "203.0.113.9"


def test_a_request_that_skipped_the_proxies_is_the_farthest_it_names_or_the_peer() -> None:
    assert client_address([], "198.51.100.7", 1) == "198.51.100.7"
    assert client_address(["203.0.113.9"], ALB, 3) == "203.0.113.9"


def test_garbage_in_the_trusted_position_counts_as_the_peer() -> None:
    assert client_address(["not-an-address"], ALB, 1) == ALB
    assert client_address(["2001:db8::1"], ALB, 1) == "2001:db8::1"


@pytest.fixture
async def echo() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A real server answering with the address it would rate-limit, one trusted hop."""
    settings = Settings(trusted_proxy_hops=1)

    async def whoami(request: web.Request) -> web.Response:
        return web.Response(text=request_client_address(request, settings))

    app = web.Application()
    app.router.add_get("/", whoami)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_over_http_the_appended_entry_wins_over_forged_ones(
    echo: TestClient[web.Request, web.Application],
) -> None:
    for forged in ("1.1.1.1", "9.9.9.9, 8.8.8.8"):
        headers = {"X-Forwarded-For": f"{forged}, 203.0.113.9"}
        async with echo.get("/", headers=headers) as response:
            assert await response.text() == "203.0.113.9"
    async with echo.get("/") as response:  # no proxy in between: the peer itself
        assert await response.text() == "127.0.0.1"
