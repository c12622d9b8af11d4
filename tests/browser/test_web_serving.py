"""The ingress serves the web app: the shell at the app's own paths, static files with the right
types and cache rules, and nothing it should not (no traversal, no shell for `/v1/…`)."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.stack import Stack
from videoshare.web.routes import CLIENT_PATHS, STATIC_DIR

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"


async def fetch(stack: Stack, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{stack.base_url}{path}", headers=headers, allow_redirects=False) as response,
    ):
        return response.status, dict(response.headers), await response.read()


@pytest.mark.parametrize(
    "path", [p.replace("{video_id}", "0b7c7f6e-9d3a-4c55-8a57-0d8cbbbd1e10") for p in CLIENT_PATHS]
)
async def test_every_client_path_gets_the_shell_revalidated(web_stack: Stack, path: str) -> None:
    status, headers, body = await fetch(web_stack, path, Accept="text/html")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-cache"
    assert b'<script type="module" src="/static/js/main.js">' in body


async def test_app_modules_are_javascript_and_revalidated(web_stack: Stack) -> None:
    status, headers, body = await fetch(web_stack, "/static/js/main.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in headers or "Last-Modified" in headers
    assert b"render(" in body


async def test_vendored_modules_are_cached_for_good(web_stack: Stack) -> None:
    manifest = json.loads((STATIC_DIR / "vendor" / "manifest.json").read_text())
    for module in manifest["modules"]:
        status, headers, _ = await fetch(web_stack, f"/static/vendor/{module['file']}")
        assert status == 200, module["file"]
        assert headers["Content-Type"].startswith("text/javascript")
        assert "immutable" in headers["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nothing-here",  # the API's own 404, never the shell
        "/v1",
        "/static/nope.js",
        "/static/js",  # a folder
        "/static/.hidden",
        "/static/vendor/manifest.json/x",
    ],
)
async def test_what_is_not_the_app_is_a_problem_not_the_shell(web_stack: Stack, path: str) -> None:
    status, headers, body = await fetch(web_stack, path, Accept="text/html")
    assert status == 404, body
    assert headers["Content-Type"].startswith(PROBLEM)
    assert json.loads(body)["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e/%2e%2e/routes.py",
        "/static/js/%2e%2e/%2e%2e/routes.py",
    ],
)
async def test_no_file_outside_static_is_served(web_stack: Stack, path: str) -> None:
    # The dots are resolved before routing, so these are addresses outside /static/: a 404.
    status, _, body = await fetch(web_stack, path, Accept="text/html")
    assert status == 404
    assert b"[project]" not in body
    assert b"def static_file" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page",
        "/videos",  # the list of videos is the feed at /, not a page of its own
        "/videos/0b7c7f6e-9d3a-4c55-8a57-0d8cbbbd1e10/nope",
        "/v1x",  # not under /v1/
    ],
)
async def test_an_unknown_page_is_the_shell_with_a_404(web_stack: Stack, path: str) -> None:
    """The app shows its own "page not found" screen (tests/browser/test_first_hour.py)."""
    status, headers, body = await fetch(web_stack, path, Accept="text/html")
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-cache"
    assert b'<script type="module" src="/static/js/main.js">' in body


async def test_writing_to_the_app_is_refused_as_a_problem(web_stack: Stack) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{web_stack.base_url}/upload", data=b"x") as response,
    ):
        assert response.status == 405
        assert response.content_type == PROBLEM
        assert "GET" in (await response.json())["detail"]
