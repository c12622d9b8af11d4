"""The `videoshare` command's arguments: one parser, used to run a command (`main.py`) and to
read the command line of the process a container runs (`healthcheck.py`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from videoshare.settings import LOCAL_EMULATOR_PORT

DESCRIPTION = "The `videoshare` command: every process of the system, and the developer's tools."


def parser() -> argparse.ArgumentParser:
    """The real argument parser (the container health check and tests parse commands with it)."""
    from videoshare.entrypoints.cli.client.arguments import add_client_commands
    from videoshare.entrypoints.cli.ops.arguments import register as register_operator_commands
    from videoshare.infra.processes import processes

    parser = argparse.ArgumentParser(prog="videoshare", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the whole local stack in this terminal")
    sub.add_parser("api", help="run the ingress (HTTP API and web app)")
    worker = sub.add_parser("worker", help="run one worker")
    worker.add_argument("name", choices=sorted(p.name for p in processes() if p.is_worker))
    emulator = sub.add_parser("emulator", help="run the embedded AWS emulator")
    emulator.add_argument("--port", type=int, default=LOCAL_EMULATOR_PORT)
    emulator.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="load the state saved in DIR before answering and save it there when stopped "
        "(as `make run` does in .videoshare/); without it, everything is gone at Ctrl-C",
    )
    sub.add_parser("provision", help="create or update every AWS resource (idempotent)")
    events = sub.add_parser("events", help="the event catalog")
    events_sub = events.add_subparsers(dest="events_command", required=True)
    export = events_sub.add_parser("export", help="write events/ from the models")
    export.add_argument("--out", type=Path, default=Path("events"))
    openapi = sub.add_parser("openapi", help="the HTTP contract (OpenAPI 3.1)")
    openapi_sub = openapi.add_subparsers(dest="openapi_command", required=True)
    openapi_export = openapi_sub.add_parser("export", help="write api/openapi.yaml from the code")
    openapi_export.add_argument("--out", type=Path, default=Path("api") / "openapi.yaml")
    workers = sub.add_parser("workers", help="the worker catalog")
    workers_sub = workers.add_subparsers(dest="workers_command", required=True)
    workers_export = workers_sub.add_parser("export", help="write workers/ from the code")
    workers_export.add_argument("--out", type=Path, default=Path("workers"))
    infra = sub.add_parser("infra", help="the AWS deployment (CloudFormation)")
    infra_sub = infra.add_subparsers(dest="infra_command", required=True)
    infra_export = infra_sub.add_parser(
        "export", help="write infra/cloudformation.yaml (the root) and infra/stacks/*.yaml"
    )
    infra_export.add_argument("--out", type=Path, default=Path("infra") / "cloudformation.yaml")
    health = sub.add_parser(
        "healthcheck", help="exit 0 when this container's process answers /healthz (else 1)"
    )
    health.add_argument(
        "process",
        nargs=argparse.REMAINDER,
        help="the process's own arguments (`api`, `worker transcoder`); default: read from --pid",
    )
    health.add_argument("--pid", type=int, default=1, help="the process to check (default 1)")
    add_client_commands(sub)  # register, confirm, login, logout, upload, videos
    register_operator_commands(sub)  # dlq
    _describe_every_command(parser)
    return parser


def _describe_every_command(parser: argparse.ArgumentParser) -> None:
    """Each command's `--help` opens with the line its parent's `--help` lists it with."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for listed in action._choices_actions:
                command = action.choices[listed.dest]
                if command.description is None:
                    command.description = listed.help
                _describe_every_command(command)
