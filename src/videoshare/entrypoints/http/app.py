"""The ingress: the aiohttp application, its lifecycle, and `serve()` for `videoshare api`.

    app = create_app(settings)     # nothing is opened until the app starts
    serve(settings)                # blocks; SIGTERM/SIGINT shut it down gracefully

AWS clients, the HTTP client for the JWKS and everything wired from them live in
`app.cleanup_ctx` (opened at start, closed at shutdown) under typed `web.AppKey`s.
"""

from __future__ import annotations

import asyncio
import errno
import sys
from collections.abc import AsyncIterator

import structlog
from aiohttp import web
from botocore.exceptions import BotoCoreError, ClientError

from videoshare.bootstrap import open_dependencies
from videoshare.entrypoints.http import openapi as openapi_routes
from videoshare.entrypoints.http.context import DEPENDENCIES, SETTINGS
from videoshare.entrypoints.http.internal import internal_site
from videoshare.entrypoints.http.middleware.access_log import access_log_middleware
from videoshare.entrypoints.http.middleware.errors import problem_middleware
from videoshare.entrypoints.http.middleware.metrics import add_metrics_route, install_metrics
from videoshare.entrypoints.http.middleware.request_id import echo_request_id, request_id_middleware
from videoshare.entrypoints.http.middleware.security_headers import install_security_headers
from videoshare.entrypoints.http.routes import (
    auth,
    captions,
    health,
    notifications,
    playback,
    posters,
    renditions,
    uploads,
    video_edits,
    video_events,
    videos,
    webhooks,
)
from videoshare.infra.resources import MissingResource
from videoshare.logs import configure_logging
from videoshare.settings import Settings
from videoshare.tcp_ports import PortInUse, ensure_port_free
from videoshare.web import routes as web_app

log = structlog.get_logger("ingress")

# JSON bodies are small: the video bytes go straight to S3.
MAX_BODY_BYTES = 64 * 1024
# The longest request line and header accepted (aiohttp's default is 8190 bytes, refused with a
# bare text/plain 400 before any middleware): room for a URL-encoded 2048-character cursor.
MAX_LINE_BYTES = 32 * 1024
SHUTDOWN_TIMEOUT_S = 10.0


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        handler_args={"max_line_size": MAX_LINE_BYTES, "max_field_size": MAX_LINE_BYTES},
        middlewares=[request_id_middleware, access_log_middleware, problem_middleware],
    )
    app[SETTINGS] = settings
    for module in (auth, videos, notifications):
        app.add_routes(module.routes)
    app.add_routes(health.healthz_routes)
    app.add_routes(openapi_routes.routes)
    app.add_routes(webhooks.routes)
    install_security_headers(app)
    app.add_routes(video_edits.routes)
    app.add_routes(uploads.routes)
    app.add_routes(playback.routes)
    app.add_routes(captions.routes)
    app.add_routes(posters.routes)
    app.add_routes(renditions.routes)
    video_events.setup(app, settings)
    app.add_routes(web_app.routes)  # the web app at `/` (videoshare/web)
    app.on_response_prepare.append(echo_request_id)
    metrics = install_metrics(app)  # request metrics (the outermost middleware)
    if settings.is_local:  # on AWS only on the internal listener (entrypoints/http/internal.py)
        health.add_readyz(app)
        add_metrics_route(app, metrics)
    web_app.add_missing_page(app)  # last: the app's own 404 page at any other address
    app.cleanup_ctx.append(_lifecycle)
    if not settings.is_local:
        app.cleanup_ctx.append(internal_site)  # after _lifecycle: it serves the dependencies
    return app


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    settings.playback_key()  # outside local mode without a playback secret: fail at start
    async with open_dependencies(settings, signs_media=True) as deps:
        app[DEPENDENCIES] = deps
        stop = asyncio.Event()
        # views counted here are added to the records every interval, and once more at the end
        flushing = asyncio.create_task(deps.views.run(stop, settings.views_flush_interval_s))
        log.info("ingress_ready", stack_name=settings.stack, user_pool=deps.resources.user_pool_id)
        try:
            yield
        finally:
            log.info("ingress_stopping")
            stop.set()
            await flushing


def serve(settings: Settings) -> int:
    """`videoshare api`: run until SIGTERM/SIGINT; problems a person can fix are one line."""
    configure_logging("ingress")
    host, port = settings.api_host, settings.api_port
    ensure_port_free(host, port, "API")
    try:
        web.run_app(
            create_app(settings),
            host=host,
            port=port,
            access_log=None,  # one structlog line per request instead (access_log.py)
            print=lambda *_: log.info("listening", url=f"http://{host}:{port}"),
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(host, port, "API") from exc
        raise
    except MissingResource as exc:
        return _one_line(f"{exc}: run `videoshare provision` first")
    except (BotoCoreError, ClientError) as exc:
        return _one_line(f"cannot reach AWS ({settings.aws_endpoint_url or 'default'}): {exc}")
    return 0


def _one_line(message: str) -> int:
    print(f"videoshare: {message}", file=sys.stderr)
    return 2
