"""What the deployment files are checked against: the real settings and the real CLI."""

from __future__ import annotations

import shlex
from pathlib import Path

from pydantic import AliasChoices

from videoshare.entrypoints.cli.parser import parser
from videoshare.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# Read by logs.py straight from the environment (not through Settings).
LOGGING_VARIABLES = {"VIDEOSHARE_LOG_LEVEL", "VIDEOSHARE_LOG_FORMAT"}


def setting_variables() -> set[str]:
    """Every environment variable `Settings` reads (prefixed names and the AWS_* aliases)."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(f"{prefix}{field}".upper())
    return names | LOGGING_VARIABLES


def unknown_variables(environment: dict[str, object]) -> list[str]:
    return sorted(set(environment) - setting_variables())


def parse_command(command: list[str] | str) -> tuple[str, str | None]:
    """(command, worker name) as the real `videoshare` parser reads it; SystemExit if invalid."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    args = parser().parse_args(words)
    return args.command, getattr(args, "name", None)
