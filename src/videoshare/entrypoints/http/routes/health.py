"""`/healthz`: the process answers. `/readyz`: so do the services it needs (DynamoDB, S3, SNS,
Cognito), each asked one cheap question, all at once, within `READY_TIMEOUT_S`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from videoshare.bootstrap import Dependencies
from videoshare.entrypoints.http.context import dependencies
from videoshare.entrypoints.problem_json import unavailable
from videoshare.infra.topology import VIDEOS_TABLE

log = structlog.get_logger("ingress")

READY_TIMEOUT_S = 2.0

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    checks = _checks(dependencies(request))
    names = list(checks)
    answers = await asyncio.gather(*(_probe(checks[n]()) for n in names))
    results = dict(zip(names, answers, strict=True))
    failing = sorted(n for n, ok in results.items() if ok != "ok")
    if failing:
        problem = unavailable(f"Not ready: {', '.join(failing)} did not answer.")
        problem.extra["checks"] = results
        raise problem
    return web.json_response({"status": "ok", "checks": results})


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
