"""`videoshare healthcheck`: the container health check, the same for every process.

One image runs every process, so the image's HEALTHCHECK cannot name a port. It reads the
command line of the container's main process (`/proc/1/cmdline`: `videoshare worker transcoder`,
or `docker-init -- videoshare api` behind an init), parses it with the real `videoshare` parser,
and asks that process's `/healthz` on the port the same settings give it: `VIDEOSHARE_API_PORT`
for the ingress, the worker's side-server port (`VIDEOSHARE_HEALTH_PORT` or its default) for a
worker. Exit 0 when it answers 200 within the timeout, 1 otherwise. A command that serves nothing
(`provision`, `dlq …`) is healthy while it runs.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from videoshare.infra.processes import health_port
from videoshare.settings import Settings

TIMEOUT_S = 3.0
# Addresses a server listens on that a client cannot connect to as such.
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 - compared, never bound


class NotCheckable(Exception):
    """The process's health cannot be asked (unknown command line, or a port picked at random)."""


@dataclass(frozen=True, slots=True)
class Target:
    """What serves `/healthz` in this container: the ingress or a worker (None: nothing)."""

    process: str  # "api" or a worker's name
    url: str | None


def videoshare_arguments(cmdline: Sequence[str]) -> list[str]:
    """The arguments given to `videoshare` in a process's command line (after any launcher)."""
    for i, word in enumerate(cmdline):
        if PurePath(word).name == "videoshare":
            return list(cmdline[i + 1 :])
        if (
            word == "-m"
            and i + 1 < len(cmdline)
            and cmdline[i + 1] in ("videoshare.entrypoints.cli.main",)
        ):
            return list(cmdline[i + 2 :])
    raise NotCheckable(f"not a videoshare process: {' '.join(cmdline)!r}")


def read_cmdline(pid: int = 1) -> list[str]:
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return [part.decode() for part in raw.split(b"\0") if part]


def target_for(arguments: Sequence[str], settings: Settings) -> Target:
    """Which `/healthz` the process started with `arguments` serves, from the same settings."""
    command, name = _command(list(arguments))
    if command == "api":
        return Target("api", _url(settings.api_host, settings.api_port))
    if command == "worker" and name is not None:
        port = health_port(name, settings)
        if port == 0:
            raise NotCheckable(f"{name} picks a free port (VIDEOSHARE_HEALTH_PORT=0)")
        return Target(name, _url(settings.health_host, port))
    return Target(command, None)


def _command(arguments: list[str]) -> tuple[str, str | None]:
    """(command, worker name). It runs every 15 s in every container, so the two commands that
    serve health are recognised without importing the whole CLI (a test holds this to the real
    parser); anything else goes through the real parser."""
    from videoshare.infra.topology import topology

    if arguments == ["api"]:
        return "api", None
    workers = {c.consumer for c in topology(Settings()).consumers}
    if len(arguments) == 2 and arguments[0] == "worker" and arguments[1] in workers:
        return "worker", arguments[1]
    from videoshare.entrypoints.cli.parser import parser

    try:
        args = parser().parse_args(arguments)
    except SystemExit as exc:  # argparse has printed why
        raise NotCheckable(f"not a videoshare command: {' '.join(arguments)!r}") from exc
    return str(args.command), getattr(args, "name", None)


def _url(host: str, port: int) -> str:
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def answers(url: str, timeout_s: float = TIMEOUT_S) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - http only
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main(argv: Sequence[str]) -> int:
    """`videoshare healthcheck [--pid N] [ARGS...]`, parsed here (the same options as the
    command's entry in the full parser, which `--help` shows)."""
    import argparse
    import sys

    from pydantic import ValidationError

    options = argparse.ArgumentParser(prog="videoshare healthcheck")
    options.add_argument("--pid", type=int, default=1)
    options.add_argument("process", nargs=argparse.REMAINDER)
    args = options.parse_args(list(argv))
    try:
        settings = Settings()
    except ValidationError as exc:
        print(
            f"videoshare healthcheck: invalid settings: {exc.errors()[0]['msg']}", file=sys.stderr
        )
        return 1
    return run_healthcheck(args.process, settings, args.pid)


def run_healthcheck(arguments: Sequence[str], settings: Settings, pid: int = 1) -> int:
    """Exit code of the health check: 0 healthy, 1 not (with one line on stderr)."""
    import sys

    try:
        target = target_for(list(arguments) or videoshare_arguments(read_cmdline(pid)), settings)
    except (NotCheckable, OSError) as exc:
        print(f"videoshare healthcheck: {exc}", file=sys.stderr)
        return 1
    if target.url is None or answers(target.url):
        return 0
    print(
        f"videoshare healthcheck: {target.process} did not answer on {target.url}", file=sys.stderr
    )
    return 1
