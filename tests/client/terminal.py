"""`videoshare …` at a terminal: a child process whose controlling terminal is a pseudo-terminal
the test types into, answering each prompt as it appears (polled with a deadline)."""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import sys
import termios
import time
from dataclasses import dataclass

DEADLINE_S = 60


@dataclass(frozen=True)
class Conversation:
    code: int
    transcript: str  # everything the terminal showed: prompts, echoed input, output


def _controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def converse(argv: list[str], env: dict[str, str], answers: list[tuple[str, str]]) -> Conversation:
    """Run `videoshare ARGV` at a terminal; type each answer once its prompt has appeared
    (prompts are awaited in order). Blocking: call it through `asyncio.to_thread`."""
    controller, terminal = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "videoshare.entrypoints.cli.main", *argv],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
        preexec_fn=_controlling_terminal,
    )
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + DEADLINE_S
    pending = list(answers)
    try:
        while True:
            assert time.monotonic() < deadline, shown.decode(errors="replace")
            if pending and pending[0][0].encode() in shown.rpartition(b"\n")[2]:
                os.write(controller, pending.pop(0)[1].encode() + b"\n")
            ready, _, _ = select.select([controller], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the child closed the terminal: it has exited
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if process.poll() is None and time.monotonic() >= deadline:
            process.kill()
        code = process.wait(timeout=DEADLINE_S)
        os.close(controller)
    assert not pending, f"never asked {pending[0][0]!r}:\n{shown.decode(errors='replace')}"
    return Conversation(code, shown.decode(errors="replace").replace("\r\n", "\n"))
