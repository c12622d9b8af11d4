"""Browser-facing headers: the web app's CSP, CORS for the configured origin only, nosniff."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.integration.api_support import Client, Stack, expect_problem, running_api
from videoshare.adapters.media_urls import S3MediaUrls
from videoshare.aws import open_clients
from videoshare.entrypoints.http.app import create_app
from videoshare.entrypoints.http.middleware.security_headers import (
    API_POLICY,
    media_origin,
    media_sources,
)

pytestmark = pytest.mark.integration

WEB_ORIGIN = "https://app.example.com"
MEDIA_ORIGIN = "https://media.example.com"
VIDEO_ID = "0" * 32


async def _a_page(request: web.Request) -> web.Response:
    return web.Response(text="<!doctype html><title>videoshare</title>", content_type="text/html")


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[Client]:
    """The real app with a configured web origin and media origin, plus a stand-in page at
    `/page` (the web app itself arrives with the `web` branch)."""
    settings = stack.settings.model_copy(
        update={"web_origin": WEB_ORIGIN, "media_origin": MEDIA_ORIGIN + "/ignored/path"}
    )
    app = create_app(settings)
    app.router.add_get("/page", _a_page)
    async with running_api(settings, app) as api:
        yield api


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


async def test_html_allows_only_itself_and_the_media_origin(client: Client) -> None:
    response = await client.get("/page")
    assert response.status == 200
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["media-src"] == ["'self'", MEDIA_ORIGIN, "blob:"]
    assert policy["img-src"] == ["'self'", MEDIA_ORIGIN, "data:"]
    assert policy["connect-src"] == ["'self'", MEDIA_ORIGIN]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    every_source = {s for sources in policy.values() for s in sources}
    assert every_source <= {"'self'", "'none'", MEDIA_ORIGIN, "blob:", "data:"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_json_and_problems_are_never_documents(client: Client) -> None:
    for path, status in (("/healthz", 200), ("/v1/nothing-here", 404)):
        response = await client.get(path)
        assert response.status == status
        assert response.headers["Content-Security-Policy"] == API_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_media_origin_defaults_to_where_urls_are_presigned(stack: Stack) -> None:
    endpoint = stack.settings.aws_endpoint_url
    assert endpoint is not None
    assert media_origin(stack.settings) == endpoint.rstrip("/")
    on_aws = stack.settings.model_copy(update={"aws_endpoint_url": None})
    # on AWS: where botocore really signs them (not always the regional host)
    for region in ("us-east-1", "eu-west-1"):
        on_aws = stack.settings.model_copy(update={"aws_endpoint_url": None, "aws_region": region})
        async with open_clients(on_aws) as aws:  # signing is local: nothing is sent
            signer = S3MediaUrls(aws.s3, on_aws.bucket)
            (url,) = await signer.media_urls(VIDEO_ID, [f"media/{VIDEO_ID}/720p.mp4"], 60)
        assert url.startswith(media_origin(on_aws) + "/"), (url, media_origin(on_aws))
        assert on_aws.bucket in media_origin(on_aws)
    # with a CDN: the distribution's origin too (uploads still go to the bucket)
    cdn = stack.settings.model_copy(
        update={
            "cdn_domain": "d1.cloudfront.net",
            "cdn_key_pair_id": "K1",
            "cdn_private_key_secret_arn": "arn:aws:secretsmanager:us-east-1:1:secret:k",
        }
    )
    assert media_sources(cdn) == f"{media_origin(cdn)} https://d1.cloudfront.net"
    assert media_sources(stack.settings) == media_origin(stack.settings)


async def test_a_preflight_from_the_web_origin_is_answered(client: Client) -> None:
    response = await client.options(
        "/v1/videos",
        headers={
            "Origin": WEB_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == WEB_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    assert "Origin" in response.headers.getall("Vary")


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example.com", "null", WEB_ORIGIN + ".evil.com", "http://app.example.com"],
)
async def test_a_preflight_from_any_other_origin_is_refused(client: Client, origin: str) -> None:
    response = await client.options(
        "/v1/videos", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    await expect_problem(response, 403, "origin-not-allowed")
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_answers_name_the_web_origin_only(client: Client) -> None:
    ours = await client.get("/healthz", headers={"Origin": WEB_ORIGIN})
    assert ours.headers["Access-Control-Allow-Origin"] == WEB_ORIGIN
    assert "X-Request-Id" in ours.headers["Access-Control-Expose-Headers"]
    theirs = await client.get("/healthz", headers={"Origin": "https://evil.example.com"})
    assert theirs.status == 200
    assert "Access-Control-Allow-Origin" not in theirs.headers
    assert "Access-Control-Allow-Credentials" not in theirs.headers


async def test_an_options_request_that_is_not_a_preflight_is_a_405_problem(client: Client) -> None:
    response = await client.options("/v1/videos")
    await expect_problem(response, 405, "method-not-allowed")
