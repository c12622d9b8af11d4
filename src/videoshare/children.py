"""The long-lived child processes we start: they die with their parent, and a child that does
not come up says so in a sentence.

`die_with_parent()` is a `preexec_fn` for `subprocess.Popen` and
`asyncio.create_subprocess_exec`: on Linux it asks the kernel to SIGKILL the child when its
parent dies (`prctl(PR_SET_PDEATHSIG)`), so a test run or `make run` killed with SIGKILL (a CI
timeout, an OOM kill) leaves no emulator, worker or ffmpeg behind. Elsewhere it is None (no
`preexec_fn`). Standard library only: `media/` and `local/` both use it.

The kernel sends the signal when the *thread* that forked the child ends, not the process:
start these children from a thread that lives as long as they should (the main thread, or an
event loop's), never from a short-lived worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class ChildFailed(Exception):
    """A child process exited or did not answer at start; the message says which, and why."""


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child die (SIGKILL) with the thread that starts it;
    None where the platform has no such thing."""
    if not sys.platform.startswith("linux"):
        return None
    # Resolved here, before the fork: the child only makes the call.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def in_child() -> None:
        if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before the call: nothing will signal
            os.kill(os.getpid(), signal.SIGKILL)

    return in_child
