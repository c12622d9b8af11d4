"""The ingress's internal listener (AWS mode): `/healthz`, `/readyz` and `/metrics` on
`VIDEOSHARE_HEALTH_HOST:VIDEOSHARE_HEALTH_PORT` (default port `infra/processes.HEALTH_PORTS`'s
ingress entry), a second aiohttp site of the same process beside the public one, which then
serves neither `/readyz` nor `/metrics`. The load balancer forwards only the API port, so the
readiness probe (which asks every dependency) and the metrics stay inside the network.

    app.cleanup_ctx.append(internal_site)     # after the dependencies are open
    app[INTERNAL_SITE].addresses              # where it listens (port 0: a free one)
"""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from videoshare.entrypoints.http.context import DEPENDENCIES, SETTINGS
from videoshare.entrypoints.http.middleware.errors import problem_middleware
from videoshare.entrypoints.http.middleware.metrics import HTTP_METRICS, add_metrics_route
from videoshare.entrypoints.http.routes.health import add_readyz, healthz_routes
from videoshare.infra.processes import INGRESS, health_port
from videoshare.tcp_ports import PortInUse

log = structlog.get_logger("ingress")

INTERNAL_SITE = web.AppKey("internal_site", web.AppRunner)


def internal_app(public: web.Application) -> web.Application:
    """The internal listener's app, sharing the public app's settings, dependencies and
    request metrics."""
    app = web.Application(middlewares=[problem_middleware])
    app[SETTINGS] = public[SETTINGS]
    app[DEPENDENCIES] = public[DEPENDENCIES]
    app.add_routes(healthz_routes)
    add_readyz(app)
    add_metrics_route(app, public[HTTP_METRICS])
    return app


async def internal_site(public: web.Application) -> AsyncIterator[None]:
    settings = public[SETTINGS]
    runner = web.AppRunner(internal_app(public), access_log=None)
    await runner.setup()
    host, port = settings.health_host, health_port(INGRESS, settings)
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(host, port, "internal listener (VIDEOSHARE_HEALTH_PORT)") from exc
            raise
        public[INTERNAL_SITE] = runner
        log.info("internal_listening", addresses=[str(a) for a in runner.addresses])
        yield
    finally:
        await runner.cleanup()
