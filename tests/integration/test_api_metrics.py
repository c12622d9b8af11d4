"""`GET /metrics` on the real ingress: requests by route template, never by raw path."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.api_support import Client

pytestmark = pytest.mark.integration


async def test_requests_show_by_route_template(api: Client) -> None:
    video_id = uuid.uuid4().hex
    assert (await api.get(f"/v1/videos/{video_id}")).status == 404
    assert (await api.get("/healthz")).status == 200
    response = await api.get("/metrics")
    assert response.status == 200
    text = await response.text()
    assert (
        'videoshare_http_requests_total{method="GET",route="/v1/videos/{video_id}",status="404"}'
        in text
    )
    assert 'videoshare_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert video_id not in text
    assert "videoshare_http_request_duration_seconds_bucket" in text
