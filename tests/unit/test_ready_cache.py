"""`/readyz` answers from a short cache: however often it is asked, the dependencies are asked
at most once per `ttl_s`, and callers arriving during a check share it."""

from __future__ import annotations

import asyncio

from videoshare.entrypoints.http.routes.health import ReadyCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_many_callers_share_one_check_until_it_is_stale() -> None:
    clock = Clock()
    cache = ReadyCache(ttl_s=2.0, clock=clock)
    checks = 0
    release = asyncio.Event()

    async def check() -> dict[str, str]:
        nonlocal checks
        checks += 1
        await release.wait()
        return {"dynamodb": "ok", "run": str(checks)}

    callers = [asyncio.create_task(cache.get(check)) for _ in range(50)]
    await asyncio.sleep(0)  # every caller is waiting on the one check
    release.set()
    answers = await asyncio.gather(*callers)
    assert checks == 1
    assert all(answer == {"dynamodb": "ok", "run": "1"} for answer in answers)

    clock.now += 1.9
    assert (await cache.get(check))["run"] == "1"  # still fresh
    clock.now += 0.1
    assert (await cache.get(check))["run"] == "2"  # stale: asked again
    assert checks == 2


async def test_a_failing_answer_is_cached_too() -> None:
    clock = Clock()
    cache = ReadyCache(ttl_s=2.0, clock=clock)
    answers = iter([{"s3": "failing"}, {"s3": "ok"}])

    async def check() -> dict[str, str]:
        return next(answers)

    assert await cache.get(check) == {"s3": "failing"}
    assert await cache.get(check) == {"s3": "failing"}
    clock.now += 2.0
    assert await cache.get(check) == {"s3": "ok"}
