"""A worker's side server: `/healthz`, `/readyz` and `/metrics` on a port of its own.

    /healthz   the process answers (its event loop is not stuck)
    /readyz    its consumer is running and its queue answers (503 problem+json otherwise)
    /metrics   Prometheus text: the consumer's series (`bus/metrics.py`), DLQ depth included

Each worker has a default port (`infra/processes.HEALTH_PORTS`, deployment data documented in
docs/ARCHITECTURE.md); `VIDEOSHARE_HEALTH_PORT` overrides it, 0 picks a free one. Locally, where
several stacks may run side by side, a taken default port falls back to a free one (logged with
the URL); on AWS a taken port is an error, as for the ingress.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from videoshare.entrypoints.problem_json import Problem, problem_middleware, unavailable
from videoshare.infra.processes import health_port
from videoshare.settings import Settings
from videoshare.tcp_ports import PortInUse

log = structlog.get_logger("health")

READY_TIMEOUT_S = 2.0

ReadyCheck = Callable[[], Awaitable[object]]


@dataclass
class WorkerHealth:
    """What the side server reports; the worker process keeps it up to date."""

    registry: CollectorRegistry
    queue_check: ReadyCheck
    consuming: bool = False


HEALTH = web.AppKey("health", WorkerHealth)
routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    health = request.app[HEALTH]
    checks = {"consumer": "ok" if health.consuming else "stopped", "sqs": "ok"}
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await health.queue_check()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", and is logged
        log.warning("not_ready", error=repr(exc))
        checks["sqs"] = "failing"
    failing = sorted(name for name, state in checks.items() if state != "ok")
    if failing:
        problem = unavailable(f"Not ready: {', '.join(failing)}.")
        problem.extra["checks"] = checks
        raise problem
    return web.json_response({"status": "ok", "checks": checks})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[HEALTH].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _internal_error(exc: Exception) -> Problem:
    log.error("unhandled_error", exc_info=exc)
    return Problem(500, "internal", "Internal error", "The side server failed; see its log.")


def create_side_app(health: WorkerHealth) -> web.Application:
    app = web.Application(middlewares=[problem_middleware(_internal_error)])
    app[HEALTH] = health
    app.add_routes(routes)
    return app


@contextlib.asynccontextmanager
async def side_server(name: str, settings: Settings, health: WorkerHealth) -> AsyncIterator[str]:
    """Serve the side app while the block runs; yields its base URL."""
    runner = web.AppRunner(create_side_app(health), access_log=None)
    await runner.setup()
    host, port = settings.health_host, health_port(name, settings)
    try:
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            if not settings.is_local or settings.health_port is not None:
                raise PortInUse(host, port, f"{name} health server") from exc
            log.warning("health_port_taken_using_a_free_one", port=port)
            site = web.TCPSite(runner, host, 0)
            await site.start()
        url = f"http://{host}:{_bound_port(runner)}"
        log.info("health_server_listening", url=url)
        yield url
    finally:
        await runner.cleanup()


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    raise RuntimeError("the health server is not listening")


async def sample_dead_letter_depth(
    sample: Callable[[], Awaitable[int]],
    record: Callable[[int], None],
    stop: asyncio.Event,
    interval_s: float,
) -> None:
    """Until `stop`: record the dead-letter queue's depth every `interval_s` (-1 on failure)."""
    while not stop.is_set():
        try:
            record(await sample())
        except Exception as exc:  # noqa: BLE001 - a failed sample is a gap, not a crash
            log.warning("dlq_sample_failed", error=repr(exc))
            record(-1)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
