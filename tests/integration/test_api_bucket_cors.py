"""The media bucket's CORS rule, as a browser meets it: a preflight against the emulator."""

from __future__ import annotations

import aiohttp
import pytest

from tests.integration.api_support import Stack

pytestmark = pytest.mark.integration


async def _preflight(stack: Stack, origin: str, method: str) -> aiohttp.ClientResponse:
    endpoint = stack.settings.aws_endpoint_url
    url = f"{endpoint}/{stack.resources.bucket}/uploads/{'0' * 32}/source?partNumber=1"
    async with aiohttp.ClientSession() as http:
        response = await http.options(
            url,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "content-type",
            },
        )
        response.release()
        return response


async def test_the_web_origin_may_put_parts_and_read_their_etags(stack: Stack) -> None:
    origin = stack.settings.web_origin
    answer = await _preflight(stack, origin, "PUT")
    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    assert "PUT" in answer.headers["Access-Control-Allow-Methods"]
    assert "ETag" in answer.headers["Access-Control-Expose-Headers"]


async def test_other_origins_are_refused(stack: Stack) -> None:
    answer = await _preflight(stack, "https://evil.example", "PUT")
    # A browser fails a preflight that is not 2xx. (The emulator's web server echoes any
    # Origin in its own CORS headers, so the status is what shows S3's rule did not match.)
    assert answer.status == 403
    assert "ETag" not in answer.headers.get("Access-Control-Expose-Headers", "")
