"""Every `videoshare` command says what it does: its parent's `--help` lists it with one line,
and its own `--help` opens with that line."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from videoshare.entrypoints.cli.parser import parser


def _commands(
    node: argparse.ArgumentParser, path: str = "videoshare"
) -> Iterator[tuple[str, argparse.ArgumentParser, str, argparse.ArgumentParser]]:
    """(parent's path, parent, command's name, command) for every command, at every depth."""
    for action in node._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                yield path, node, name, command
                yield from _commands(command, f"{path} {name}")


def test_every_command_is_listed_with_a_line_and_its_help_opens_with_it() -> None:
    commands = list(_commands(parser()))
    assert len(commands) > 20  # every level: run, dlq replay, videos download, …
    for path, parent, name, command in commands:
        listed = {a.dest: a.help for a in _listings(parent)}
        line = listed.get(name)
        assert line, f"`{path} --help` lists {name!r} without a line"
        assert "\n" not in line
        assert command.description == line, f"`{path} {name} --help` lacks its line"
        assert line in " ".join(command.format_help().split())


def test_logout_takes_no_password_and_confirm_no_progress_bar() -> None:
    commands = {name: command for _, _, name, command in _commands(parser())}
    options = {name: set(c._option_string_actions) for name, c in commands.items()}
    assert "--password" not in options["logout"]
    assert "--email" not in options["logout"]
    assert "--quiet" not in options["login"]
    assert "--password" not in options["confirm"]
    assert {"--email", "--password", "--display-name"} <= options["register"]


def _listings(parent: argparse.ArgumentParser) -> list[argparse.Action]:
    for action in parent._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action._choices_actions)
    return []
