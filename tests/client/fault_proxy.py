"""A forwarding proxy in front of the emulator that records S3 part uploads and can make chosen
parts fail: the ingress is pointed at it, so the presigned URLs the client gets lead here.

Everything else passes through untouched (the emulator checks no signatures, so a changed
Host header is fine)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from videoshare.tcp_ports import free_port

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}
)


@dataclass
class FaultProxy:
    upstream: str
    endpoint: str = ""
    # part number → how many more PUTs of it are answered 500 before they pass through
    failures: dict[int, int] = field(default_factory=dict)
    # (part number, status answered), in arrival order
    part_puts: list[tuple[int, int]] = field(default_factory=list)
    single_puts: int = 0
    # how many more single (not multipart) PUTs are answered 500
    single_put_failures: int = 0

    def reset(self) -> None:
        """No faults armed and nothing counted: as a test that did not run before it."""
        self.failures = {}
        self.part_puts = []
        self.single_puts = 0
        self.single_put_failures = 0

    def parts_sent(self) -> list[int]:
        """The part numbers that reached the emulator, in order."""
        return [number for number, status in self.part_puts if status == 200]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        part = request.query.get("partNumber")
        if request.method == "PUT" and part is not None:
            number = int(part)
            if self.failures.get(number, 0) > 0:
                self.failures[number] -= 1
                self.part_puts.append((number, 500))
                return web.Response(status=500, text="injected failure")
        elif request.method == "PUT" and "uploadId" not in request.query:
            self.single_puts += 1
            if self.single_put_failures > 0:
                self.single_put_failures -= 1
                return web.Response(status=500, text="injected failure")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        http: aiohttp.ClientSession = request.app[_HTTP]
        async with http.request(
            request.method,
            f"{self.upstream}{request.rel_url}",
            data=io.BytesIO(body),  # aiohttp warns of large raw bytes
            headers=headers,
            allow_redirects=False,
        ) as answer:
            payload = await answer.read()
            out = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            if request.method == "PUT" and part is not None:
                self.part_puts.append((int(part), answer.status))
            return web.Response(status=answer.status, body=payload, headers=out)


_HTTP = web.AppKey("http", aiohttp.ClientSession)


@asynccontextmanager
async def fault_proxy(upstream: str) -> AsyncIterator[FaultProxy]:
    proxy = FaultProxy(upstream.rstrip("/"))
    app = web.Application(client_max_size=1024**3)

    async def http_client(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(auto_decompress=False) as http:
            app[_HTTP] = http
            yield

    app.cleanup_ctx.append(http_client)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    proxy.endpoint = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        await runner.cleanup()
