"""What the `videoshare` command runs for the commands that start another entry point's code,
named as data.

The ingress (`entrypoints/http`), the workers (`entrypoints/workers`) and the local stack
(`local/`) are programs of their own, and entry points do not import each other (an
import-linter contract). The CLI only starts them: as `[project.scripts]` does, it names each
program's function as "module:function" and imports it when that command runs. So the CLI does
not depend on what it starts, and each process loads only its own code.
`tests/unit/test_cli_programs.py` holds every name to a function that exists.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, Final

PROGRAMS: Final[Mapping[str, str]] = {
    "api": "videoshare.entrypoints.http.app:serve",  # (settings) -> exit code
    "worker": "videoshare.entrypoints.workers:run_worker",  # (name, settings) -> exit code
    "openapi export": "videoshare.entrypoints.http.openapi:export_document",  # (path) -> path
    "run": "videoshare.local.runner:run_stack",  # () -> exit code
    "emulator": "videoshare.local.emulator:serve_emulator",  # (port, state_dir) -> exit code
}


def program(command: str) -> Callable[..., Any]:
    """The function `command` runs, imported now."""
    module, _, name = PROGRAMS[command].partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


def run(command: str, *args: object) -> int:
    """Run `command`'s program with `args`; its exit code."""
    return int(program(command)(*args))
