"""Ingress request metrics: route templates as labels, never raw paths; bounded methods."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from videoshare.entrypoints.http.middleware.metrics import (
    HTTP_METRICS,
    UNMATCHED,
    add_metrics_route,
    install_metrics,
)


async def _video(request: web.Request) -> web.Response:
    return web.json_response({"id": request.match_info["video_id"]})


async def _boom(request: web.Request) -> web.Response:
    raise web.HTTPConflict


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/v1/videos/{video_id}", _video)
    app.router.add_post("/v1/boom", _boom)
    add_metrics_route(app, install_metrics(app))
    return app


async def test_requests_are_labelled_by_route_template_and_status() -> None:
    app = make_app()
    async with TestClient(TestServer(app)) as client:
        for video_id in ("a1", "b2", "c3"):
            assert (await client.get(f"/v1/videos/{video_id}")).status == 200
        assert (await client.get("/no/such/path/xyz")).status == 404
        assert (await client.post("/v1/boom")).status == 409
        assert (await client.request("PROPFIND", "/v1/videos/a1")).status == 405
        metrics = await client.get("/metrics")
        text = await metrics.text()
    registry = app[HTTP_METRICS].registry

    def count(method: str, route: str, status: str) -> float | None:
        labels = {"method": method, "route": route, "status": status}
        return registry.get_sample_value("videoshare_http_requests_total", labels)

    assert metrics.status == 200
    assert metrics.headers["Content-Type"].startswith("text/plain")
    assert count("GET", "/v1/videos/{video_id}", "200") == 3
    assert count("GET", UNMATCHED, "404") == 1
    assert count("POST", "/v1/boom", "409") == 1
    assert count("OTHER", UNMATCHED, "405") == 1  # no route took it
    for raw in ("a1", "b2", "c3", "xyz"):
        assert raw not in text, f"a raw path leaked into the labels: {raw}"
    assert registry.get_sample_value("videoshare_http_requests_in_progress") == 0
