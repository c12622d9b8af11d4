"""The ingress's `POST /v1/videos` against the AWS calls it needs, made directly.

The ingress runs as its own process (`videoshare api`) on a fresh stack of its own emulator; a
signed-in user creates videos with `CONCURRENCY` requests in flight. The baseline makes, at the
same concurrency, what one creation costs in AWS: sign the upload URL, write the record
(conditional put), publish `video.created`. Token checks are cached by the ingress, as they are
in service. Goal: ours >= 0.8x the direct calls.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from bench.report import Figure, median, write_report
from videoshare.adapters.publisher import Publisher
from videoshare.adapters.storage import MediaStorage
from videoshare.adapters.videos import VideoRepository
from videoshare.aws import open_clients
from videoshare.domain import keys
from videoshare.domain.events import VideoCreated, VideoCreatedData, utc_now
from videoshare.domain.video import Video
from videoshare.infra.provision import provision
from videoshare.infra.topology import VIDEOS_TABLE
from videoshare.local.emulator import LOCAL_CREDENTIALS, start_emulator
from videoshare.logs import configure_logging
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

CONCURRENCY = 10
REQUESTS = 200
ROUNDS = 3
BODY = {
    "title": "Benchmark",
    "filename": "clip.mp4",
    "content_type": "video/mp4",
    "size_bytes": 1000,
    "visibility": "private",
}


async def _bounded(count: int, call: Callable[[], Awaitable[None]]) -> float:
    """Seconds to make `count` calls of `call()`, `CONCURRENCY` at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with gate:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return time.perf_counter() - started


async def _direct(settings: Settings) -> float:
    async with open_clients(settings) as aws:
        topic = (await aws.sns.create_topic(Name=settings.topic_name))["TopicArn"]
        storage = MediaStorage(aws.s3, settings.bucket)
        videos = VideoRepository(aws.dynamodb, settings.table(VIDEOS_TABLE))
        publisher = Publisher(aws.sns, topic)

        async def create() -> None:
            video_id = uuid.uuid4().hex
            upload = await storage.presign_upload(
                keys.source_key(video_id), "video/mp4", 1000, settings.upload_url_ttl_s
            )
            now = utc_now()
            video = Video(
                id=video_id,
                owner_id="owner",
                title="Benchmark",
                created_at=now,
                updated_at=now,
                filename="clip.mp4",
                content_type="video/mp4",
                declared_size_bytes=1000,
                source_key=keys.source_key(video_id),
                upload_expires_at=upload.expires_at,
                correlation_id="bench",
            )
            await videos.create(video)
            await publisher.publish(
                VideoCreated(
                    correlation_id="bench",
                    producer="bench",
                    data=VideoCreatedData(
                        video_id=video_id,
                        owner_id="owner",
                        title="Benchmark",
                        visibility=video.visibility,
                        declared_size_bytes=1000,
                        content_type="video/mp4",
                    ),
                )
            )

        return await _bounded(REQUESTS, create)


async def _through_ingress(base: str) -> float:
    async with aiohttp.ClientSession() as http:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        password = uuid.uuid4().hex + "-Aa1"  # a throwaway account on a throwaway emulator
        account = {"email": email, "password": password, "display_name": "Bench"}
        async with http.post(f"{base}/v1/auth/register", json=account) as response:
            assert response.status == 201, await response.text()
        login = {"email": email, "password": password}
        async with http.post(f"{base}/v1/auth/login", json=login) as response:
            token = (await response.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def create() -> None:
            async with http.post(f"{base}/v1/videos", json=BODY, headers=headers) as response:
                assert response.status == 201, await response.text()

        await create()  # warm: the JWKS and the token check are cached from here on
        return await _bounded(REQUESTS, create)


async def _wait_ready(base: str, ingress: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert ingress.poll() is None, "the ingress exited at start"
            try:
                async with http.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("the ingress was not ready in 60 s")


def main() -> str:
    # One log line per message is part of the runtime, but a terminal renderer is not: only
    # warnings are written (the raw loop writes nothing either).
    configure_logging("bench-ingress", level="WARNING")
    emulator = start_emulator(port=free_port(), log_path=Path("/dev/null"))
    ingress: subprocess.Popen[bytes] | None = None
    try:
        settings = Settings(
            stack=f"bench-{uuid.uuid4().hex[:8]}",
            aws_endpoint_url=emulator.endpoint,
            api_port=free_port(),
        )

        async def provisioned() -> None:
            async with open_clients(settings) as aws:
                await provision(aws, settings)

        asyncio.run(provisioned())
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("VIDEOSHARE_", "AWS_"))},
            **LOCAL_CREDENTIALS,
            "AWS_ENDPOINT_URL": emulator.endpoint,
            "VIDEOSHARE_STACK": settings.stack,
            "VIDEOSHARE_API_PORT": str(settings.api_port),
            "VIDEOSHARE_LOG_LEVEL": "WARNING",
        }
        ingress = subprocess.Popen(
            [sys.executable, "-m", "videoshare.entrypoints.cli.main", "api"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{settings.api_port}"
        asyncio.run(_wait_ready(base, ingress))
        ours: list[float] = []
        direct: list[float] = []
        for _ in range(ROUNDS):  # interleaved, so a busy moment hits both
            ours.append(REQUESTS / asyncio.run(_through_ingress(base)))
            direct.append(REQUESTS / asyncio.run(_direct(settings)))
    finally:
        if ingress is not None:
            ingress.terminate()
            ingress.wait(timeout=30)
        emulator.stop()
    figure = Figure(
        name=f"POST /v1/videos, {CONCURRENCY} in flight",
        ours=median(ours),
        baseline=median(direct),
        unit="req/s",
        goal=">= 0.8x",
        baseline_name="presign + conditional put + publish, direct",
        better="higher",
        samples={"ours": ours, "baseline": direct},
    )
    return write_report(
        "ingress",
        [figure],
        notes=[f"{REQUESTS} creations per round, median of {ROUNDS} rounds."],
    )
