"""The heartbeat beats while its block runs, survives failed beats, and never cuts one short."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import eventually
from videoshare.bus.heartbeat import Heartbeat


async def test_it_beats_repeatedly_while_the_block_runs_and_stops_after() -> None:
    beats: list[float] = []

    async def beat() -> None:
        beats.append(asyncio.get_running_loop().time())

    async with Heartbeat(beat, interval_s=0.01, name="test") as heartbeat:
        await eventually(lambda: len(beats) >= 3, timeout_s=5)
    after_exit = len(beats)
    for _ in range(5):
        await asyncio.sleep(0.01)

    assert len(beats) == after_exit  # no beat once the block is left
    assert heartbeat.beats == after_exit


async def test_a_failed_beat_is_not_the_end_of_it() -> None:
    attempts = 0

    async def flaky_beat() -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 2:
            raise ConnectionError("throttled")

    async with Heartbeat(flaky_beat, interval_s=0.01, name="test") as heartbeat:
        await eventually(lambda: heartbeat.beats >= 2, timeout_s=5)

    assert attempts >= 4


async def test_leaving_waits_for_a_beat_on_the_wire_instead_of_cancelling_it() -> None:
    in_beat = asyncio.Event()
    release = asyncio.Event()
    completed: list[bool] = []

    async def slow_beat() -> None:
        in_beat.set()
        await release.wait()
        completed.append(True)

    async def block() -> None:
        async with Heartbeat(slow_beat, interval_s=0.01, name="test"):
            await in_beat.wait()

    leaving = asyncio.create_task(block())
    await eventually(in_beat.is_set, timeout_s=5)
    for _ in range(10):
        await asyncio.sleep(0)
    assert not leaving.done()  # still waiting for the beat
    release.set()
    await asyncio.wait_for(leaving, timeout=5)

    assert completed == [True]


def test_the_interval_must_be_positive() -> None:
    async def beat() -> None:
        return None

    with pytest.raises(ValueError, match="positive"):
        Heartbeat(beat, interval_s=0, name="test")
