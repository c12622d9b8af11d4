"""`/healthz`: the process answers. `/readyz`: so do the services it needs (DynamoDB, S3, SNS,
Cognito), each asked one cheap question, all at once, within `READY_TIMEOUT_S`.

`/readyz` answers from a cache of `READY_CACHE_S`, and callers arriving while it is being
checked share that one check, so however often it is asked the services are asked at most once
per `READY_CACHE_S`. Locally both answer on the API's own listener; on AWS `/readyz` (with
`/metrics`) only on the ingress's internal listener (`entrypoints/http/internal.py`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog
from aiohttp import web

from videoshare.bootstrap import Dependencies
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.problem_json import unavailable
from videoshare.infra.topology import VIDEOS_TABLE

log = structlog.get_logger("ingress")

READY_TIMEOUT_S = 2.0
READY_CACHE_S = 2.0

Checks = dict[str, str]


@dataclass
class ReadyCache:
    """The last readiness answer, kept `ttl_s`; one check at a time (the others wait for it)."""

    ttl_s: float = READY_CACHE_S
    clock: Callable[[], float] = time.monotonic
    _answer: Checks | None = None
    _at: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def get(self, check: Callable[[], Awaitable[Checks]]) -> Checks:
        async with self._lock:
            if self._answer is None or self.clock() - self._at >= self.ttl_s:
                self._answer = await check()
                self._at = self.clock()
            return self._answer


READY_CACHE = web.AppKey("ready_cache", ReadyCache)

healthz_routes = web.RouteTableDef()
readyz_routes = web.RouteTableDef()


@healthz_routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@readyz_routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    svc = dependencies(request)
    results = await request.app[READY_CACHE].get(lambda: _check_all(svc))
    failing = sorted(n for n, ok in results.items() if ok != "ok")
    if failing:
        problem = unavailable(f"Not ready: {', '.join(failing)} did not answer.")
        problem.extra["checks"] = results
        raise problem
    return web.json_response({"status": "ok", "checks": results})


def add_readyz(app: web.Application) -> None:
    """`/readyz` on `app`, with its own cache."""
    app[READY_CACHE] = ReadyCache()
    app.add_routes(readyz_routes)


async def _check_all(svc: Dependencies) -> Checks:
    checks = _checks(svc)
    names = list(checks)
    answers = await asyncio.gather(*(_probe(checks[n]()) for n in names))
    return dict(zip(names, answers, strict=True))


def _checks(svc: Dependencies) -> dict[str, Callable[[], Awaitable[object]]]:
    aws = svc.aws
    table = svc.settings.table(VIDEOS_TABLE)
    return {
        "dynamodb": lambda: aws.dynamodb.describe_table(TableName=table),
        "s3": svc.storage.check,
        "sns": lambda: aws.sns.get_topic_attributes(TopicArn=svc.resources.topic_arn),
        "cognito": svc.identity.check,
    }


async def _probe(call: Awaitable[object]) -> str:
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await call
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", and is logged
        log.warning("not_ready", error=repr(exc))
        return "failing"
    return "ok"
