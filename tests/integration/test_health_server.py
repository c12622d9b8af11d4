"""A worker's side server: health, readiness against its real queue, metrics; its port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import aiohttp
import pytest
from prometheus_client import CollectorRegistry

from videoshare.aws import AwsClients
from videoshare.bus.metrics import ConsumerMetrics
from videoshare.entrypoints.workers.health_server import WorkerHealth, side_server
from videoshare.infra import processes
from videoshare.infra.resources import Resources
from videoshare.infra.topology import NOTIFIER
from videoshare.settings import Settings
from videoshare.tcp_ports import PortInUse, free_port

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def health_for(aws: AwsClients, url: str) -> tuple[WorkerHealth, ConsumerMetrics]:
    registry = CollectorRegistry()

    async def queue_answers() -> object:
        return await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])

    return WorkerHealth(registry, queue_answers), ConsumerMetrics(registry, "the-queue")


async def test_health_readiness_and_metrics(
    settings: Settings, aws: AwsClients, resources: Resources
) -> None:
    health, metrics = health_for(aws, resources.queue_urls[NOTIFIER])
    metrics.received(4)
    metrics.dead_letter_depth(2)
    port = free_port()
    local = settings.model_copy(update={"health_port": port})
    async with side_server(NOTIFIER, local, health) as base, aiohttp.ClientSession() as http:
        assert base == f"http://127.0.0.1:{port}"
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{base}/readyz") as response:
            assert response.status == 503  # the consumer has not started
            assert response.content_type == PROBLEM
            assert (await response.json())["checks"]["consumer"] == "stopped"
        health.consuming = True
        async with http.get(f"{base}/readyz") as response:
            assert response.status == 200
            assert (await response.json())["checks"] == {"consumer": "ok", "sqs": "ok"}
        async with http.get(f"{base}/metrics") as response:
            assert response.status == 200
            text = await response.text()
        assert 'videoshare_messages_received_total{queue="the-queue"} 4.0' in text
        assert 'videoshare_dead_letter_messages{queue="the-queue"} 2.0' in text
        async with http.get(f"{base}/nothing-here") as response:
            assert response.status == 404
            assert response.content_type == PROBLEM


async def test_readiness_fails_when_the_queue_does_not_answer(
    settings: Settings, aws: AwsClients, resources: Resources
) -> None:
    missing = resources.queue_urls[NOTIFIER] + "-gone"
    health, _ = health_for(aws, missing)
    health.consuming = True
    local = settings.model_copy(update={"health_port": 0})
    async with (
        side_server(NOTIFIER, local, health) as base,
        aiohttp.ClientSession() as http,
        http.get(f"{base}/readyz") as response,
    ):
        assert response.status == 503
        assert (await response.json())["checks"]["sqs"] == "failing"


async def test_a_taken_default_port_falls_back_locally_but_an_explicit_one_is_an_error(
    settings: Settings,
    aws: AwsClients,
    resources: Resources,
    taken_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    health, _ = health_for(aws, resources.queue_urls[NOTIFIER])
    monkeypatch.setitem(processes.HEALTH_PORTS, NOTIFIER, taken_port)
    async with side_server(NOTIFIER, settings, health) as base:
        assert not base.endswith(f":{taken_port}")
        async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as response:
            assert response.status == 200
    explicit = settings.model_copy(update={"health_port": taken_port})
    with pytest.raises(PortInUse, match=f"port {taken_port}"):
        async with side_server(NOTIFIER, explicit, health):
            pass
