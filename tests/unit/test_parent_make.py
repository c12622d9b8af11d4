"""Reading whether the `make` of `make run` is being stopped, from its `/proc/PID/status`."""

from __future__ import annotations

import signal

from videoshare.local.parent_make import blocked_signals

# Idle make waiting for its command: only SIGCHLD blocked. Handling SIGINT: SIGINT too.
IDLE = "Name:\tmake\nSigPnd:\t0000000000000000\nSigBlk:\t0000000000010000\n"
INTERRUPTED = "Name:\tmake\nSigBlk:\t0000000000010002\nSigCgt:\t0000000001814205\n"


def test_an_idle_make_blocks_only_sigchld() -> None:
    assert blocked_signals(IDLE) == {signal.SIGCHLD}


def test_a_make_handling_sigint_blocks_it() -> None:
    assert blocked_signals(INTERRUPTED) == {signal.SIGINT, signal.SIGCHLD}


def test_a_status_without_a_mask_blocks_nothing() -> None:
    assert blocked_signals("Name:\tmake\n") == set()
