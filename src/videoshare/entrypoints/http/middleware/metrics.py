"""HTTP request metrics of the ingress, and `GET /metrics` (Prometheus text format).

    metrics = install_metrics(app)   # in create_app: the outermost middleware
    add_metrics_route(app, metrics)  # GET /metrics, on the listener that serves it

Labels are bounded on purpose: the route *template* (`/v1/videos/{video_id}`, never the raw
path, or every id would make a series), `unmatched` for requests no route took, the method
(`OTHER` for anything non-standard) and the status code the client finally got.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from videoshare.entrypoints.problem_json import RequestHandler

UNMATCHED = "unmatched"
CLIENT_CLOSED = 499
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "videoshare_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "videoshare_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=BUCKETS,
            registry=registry,
        )
        self.in_progress = Gauge(
            "videoshare_http_requests_in_progress",
            "HTTP requests being answered now.",
            registry=registry,
        )


HTTP_METRICS = web.AppKey("http_metrics", HttpMetrics)  # the app whose requests are measured
METRICS_SERVED = web.AppKey("metrics_served", HttpMetrics)  # the app that serves /metrics


def install_metrics(app: web.Application) -> HttpMetrics:
    """Measure every request (outermost middleware); the metrics, for `add_metrics_route`."""
    app[HTTP_METRICS] = HttpMetrics(CollectorRegistry())
    app.middlewares.insert(0, metrics_middleware)
    return app[HTTP_METRICS]


def add_metrics_route(app: web.Application, metrics: HttpMetrics) -> None:
    """`GET /metrics` on `app` (the API's own listener locally, the internal one on AWS)."""
    app[METRICS_SERVED] = metrics
    app.router.add_get("/metrics", metrics_endpoint)


def route_label(request: web.Request) -> str:
    """The route template that took the request, or `unmatched`."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    if resource is None:
        return UNMATCHED
    return resource.canonical


def method_label(method: str) -> str:
    return method if method in METHODS else "OTHER"


@web.middleware
async def metrics_middleware(request: web.Request, handler: RequestHandler) -> web.StreamResponse:
    metrics = request.app[HTTP_METRICS]
    started = time.perf_counter()
    status = 500
    metrics.in_progress.inc()
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = CLIENT_CLOSED
        raise
    finally:
        metrics.in_progress.dec()
        method, route = method_label(request.method), route_label(request)
        metrics.requests.labels(method, route, str(status)).inc()
        metrics.duration.labels(method, route).observe(time.perf_counter() - started)


async def metrics_endpoint(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS_SERVED].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
