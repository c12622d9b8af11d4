"""Browser-facing protections: Content-Security-Policy, CORS for one origin, nosniff, HSTS.

    install_security_headers(app, settings)

- HTML (the web app) gets a policy that allows only itself and the media origin (where the
  presigned URLs point: videos, posters, HLS segments, uploads); every other answer gets
  `default-src 'none'`, since JSON is never a document to render.
- HSTS on AWS (`VIDEOSHARE_MODE=aws`, served over HTTPS behind the edge): a browser that has
  seen the API once never speaks plain HTTP to it again. Not locally, where it is plain HTTP.
- CORS: the configured `web_origin` is the only cross-origin caller. Its preflights are answered
  204 with what it may send; a preflight from any other origin is a 403 problem, and answers
  to other origins carry no `Access-Control-Allow-Origin`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import botocore.session
from aiohttp import web

from videoshare.aws import client_kwargs
from videoshare.entrypoints.http.context import SETTINGS
from videoshare.entrypoints.problem_json import Problem, RequestHandler
from videoshare.settings import Settings

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id, Last-Event-ID"
EXPOSED_HEADERS = "X-Request-Id, Location, Retry-After"
PREFLIGHT_MAX_AGE_S = 600
HSTS = "max-age=31536000; includeSubDomains"  # a year, the common floor for preload lists


def install_security_headers(app: web.Application) -> None:
    app.middlewares.append(cors_preflight_middleware)
    app.on_response_prepare.append(_add_headers)


def media_origin(settings: Settings) -> str:
    """Where presigned S3 URLs point (uploads always; media too without a CDN): set explicitly,
    or else wherever botocore, configured as the processes configure it, signs them (the
    emulator's endpoint locally; on AWS the bucket's host, which botocore does not always make
    regional)."""
    if settings.media_origin:
        return origin_of(settings.media_origin)
    where = (settings.bucket, settings.aws_region, settings.aws_endpoint_url)
    if where not in _PRESIGNED_ORIGINS:
        _PRESIGNED_ORIGINS[where] = _presigned_origin(settings)
    return _PRESIGNED_ORIGINS[where]


_PRESIGNED_ORIGINS: dict[tuple[str, str, str | None], str] = {}


def _presigned_origin(settings: Settings) -> str:
    # Signing is local: placeholder keys, no request is sent.
    s3 = botocore.session.get_session().create_client(
        "s3",
        aws_access_key_id="origin-probe",
        aws_secret_access_key="origin-probe",  # noqa: S106 - never sent anywhere
        **client_kwargs(settings, "s3"),
    )
    url: str = s3.generate_presigned_url(  # type: ignore[attr-defined]
        "get_object", Params={"Bucket": settings.bucket, "Key": "origin-probe"}
    )
    return origin_of(url)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def media_sources(settings: Settings) -> str:
    """The origins the web app talks to for media: the bucket's (uploads, and media without a
    CDN) and the CDN's when media goes through one."""
    cdn = settings.cdn
    bucket = media_origin(settings)
    return f"{bucket} https://{cdn.domain}" if cdn else bucket


def web_policy(media: str) -> str:
    """The web app's policy: itself, plus the media origin where the media lives."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' {media} data:",
            f"media-src 'self' {media} blob:",
            f"connect-src 'self' {media}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


@web.middleware
async def cors_preflight_middleware(
    request: web.Request, handler: RequestHandler
) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if request.method != "OPTIONS" or origin is None:
        return await handler(request)
    if "Access-Control-Request-Method" not in request.headers:
        return await handler(request)  # a plain OPTIONS, not a preflight
    if origin != origin_of(request.app[SETTINGS].web_origin):
        raise Problem(
            403,
            "origin-not-allowed",
            "Origin not allowed",
            f"Cross-origin calls are answered for the web app's origin only, not {origin!r}.",
        )
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
        },
    )


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    settings = request.app[SETTINGS]
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if not settings.is_local:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if "Content-Security-Policy" not in headers:
        is_html = response.content_type == "text/html"
        headers["Content-Security-Policy"] = (
            web_policy(media_sources(settings)) if is_html else API_POLICY
        )
    headers.add("Vary", "Origin")
    origin = request.headers.get("Origin")
    if origin is not None and origin == origin_of(settings.web_origin):
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
