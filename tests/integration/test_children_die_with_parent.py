"""A parent killed with SIGKILL (a CI timeout, an OOM kill) leaves no child of ours behind: the
emulator and ffmpeg are started with `children.die_with_parent()` (PR_SET_PDEATHSIG)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import psutil
import pytest

from tests.support import eventually
from videoshare.local.emulator import EMULATOR_MODULE

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"),
        reason="PR_SET_PDEATHSIG is Linux's: elsewhere children are not tied to their parent",
    ),
]

PARENT = Path(__file__).with_name("orphan_parent.py")


def alive(process: psutil.Process) -> bool:
    """Running (a zombie left to a PID 1 that does not reap counts as dead)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def children_of(parent: asyncio.subprocess.Process) -> dict[str, psutil.Process]:
    """The parent's emulator and ffmpeg, by what they are, once it has started them."""
    found: dict[str, psutil.Process] = {}
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(parent.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                if EMULATOR_MODULE in child.cmdline():
                    found["emulator"] = child
                elif "ffmpeg" in child.name():
                    found["ffmpeg"] = child
    return found


async def test_the_emulator_and_ffmpeg_die_when_their_parent_is_killed(tmp_path: Path) -> None:
    with (tmp_path / "parent.log").open("wb") as log:
        parent = await asyncio.create_subprocess_exec(
            sys.executable,
            str(PARENT),
            str(tmp_path),
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
    children: dict[str, psutil.Process] = {}
    try:

        def both_started() -> bool:
            assert parent.returncode is None, f"the parent exited: see {tmp_path / 'parent.log'}"
            children.update(children_of(parent))
            return set(children) == {"emulator", "ffmpeg"}

        await eventually(both_started, timeout_s=60, what="the parent started both children")

        parent.kill()
        await parent.wait()

        await eventually(
            lambda: not any(alive(child) for child in children.values()),
            timeout_s=30,
            what="every child of the killed parent ended",
        )
    finally:  # whatever failed above, leave nothing running
        if parent.returncode is None:
            parent.kill()
            await parent.wait()
        for child in children.values():
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
