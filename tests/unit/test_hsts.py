"""HSTS is sent on AWS, where the API is served over HTTPS, and not locally (plain HTTP)."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from videoshare.entrypoints.http.context import SETTINGS
from videoshare.entrypoints.http.middleware.security_headers import HSTS, _add_headers
from videoshare.settings import Mode, Settings


async def _headers_for(settings: Settings) -> dict[str, str]:
    app = web.Application()
    app[SETTINGS] = settings
    request = make_mocked_request("GET", "/v1/videos", app=app)
    response = web.json_response({})
    await _add_headers(request, response)
    return dict(response.headers)


@pytest.mark.parametrize(("mode", "sent"), [(Mode.AWS, True), (Mode.LOCAL, False)])
async def test_strict_transport_security_only_on_aws(mode: Mode, sent: bool) -> None:
    settings = Settings(mode=mode, media_origin="https://media.example.com")
    headers = await _headers_for(settings)
    assert (headers.get("Strict-Transport-Security") == HSTS) is sent
    assert headers["X-Content-Type-Options"] == "nosniff"  # the rest as ever
