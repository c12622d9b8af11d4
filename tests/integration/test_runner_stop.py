"""`make run`'s second Ctrl-C: the children still stopping are killed at once, not after the
grace the first one gives them."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from videoshare.local import runner
from videoshare.local.runner import Child, _stop_all

# A child that ignores SIGTERM (as one stuck in a stop would), once it says so.
STUBBORN = (
    "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ignoring SIGTERM', flush=True); signal.pause()"
)


async def stubborn_child(name: str) -> Child:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", STUBBORN, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    assert await process.stdout.readline() == b"ignoring SIGTERM\n"
    return Child(name, [], "37", process=process)


async def test_a_second_ctrl_c_kills_the_children_still_stopping(
    capsys: pytest.CaptureFixture[str],
) -> None:
    children = [await stubborn_child("a"), await stubborn_child("b")]
    hurry = asyncio.Event()
    try:
        asyncio.get_running_loop().call_soon(hurry.set)  # after the SIGTERMs went out
        # A deadline only: without the second Ctrl-C they would be killed after the grace.
        await asyncio.wait_for(_stop_all(children, hurry), runner.STOP_GRACE_S)
    finally:
        for child in children:
            if child.process and child.process.returncode is None:
                child.process.kill()
                await child.process.wait()
    assert [c.process.returncode for c in children if c.process] == [-signal.SIGKILL] * 2
    said = capsys.readouterr().out
    assert said.count("a second Ctrl-C; killed") == 2, said
