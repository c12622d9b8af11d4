"""The programs the CLI starts by name (`entrypoints/cli/programs.py`) exist and take what the
CLI gives them."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from videoshare.entrypoints.cli.programs import PROGRAMS, program
from videoshare.settings import Settings

# What `main._dispatch` passes to each program.
ARGUMENTS: dict[str, tuple[object, ...]] = {
    "api": (Settings(),),
    "worker": ("transcoder", Settings()),
    "openapi export": (Path("api") / "openapi.yaml",),
    "run": (),
    "emulator": (4566, None),
}


def test_every_program_is_listed_with_its_arguments() -> None:
    assert set(PROGRAMS) == set(ARGUMENTS)


@pytest.mark.parametrize("command", sorted(PROGRAMS))
def test_each_program_is_a_function_that_takes_the_cli_arguments(command: str) -> None:
    function = program(command)
    assert inspect.isfunction(function), PROGRAMS[command]
    inspect.signature(function).bind(*ARGUMENTS[command])  # raises TypeError when they differ
