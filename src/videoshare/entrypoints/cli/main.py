"""The `videoshare` command: every process of the system, and the developer's tools.

    videoshare run                 the whole local stack (emulator, provisioning, every process)
    videoshare api                 the ingress
    videoshare worker NAME         one worker (upload-finalizer, transcoder, ...)
    videoshare emulator            the embedded AWS emulator alone
    videoshare provision           apply the topology to AWS_ENDPOINT_URL (or AWS)
    videoshare events export       regenerate the event catalog under events/
    videoshare openapi export      regenerate the HTTP contract api/openapi.yaml
    videoshare infra export        regenerate the AWS template infra/cloudformation.yaml
    videoshare healthcheck         exit 0 when this container's process answers /healthz
    videoshare dlq list|show|replay|purge   the dead-letter queues (ops/cli.py)

Errors a person can fix are printed as one line, with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from videoshare.settings import Settings


class UserError(Exception):
    """Something the person running the command can fix; printed as one line."""


def parser() -> argparse.ArgumentParser:
    """The real argument parser (the container health check and tests parse commands with it)."""
    return _parser()


def _parser() -> argparse.ArgumentParser:
    from videoshare.entrypoints.workers import WORKERS

    parser = argparse.ArgumentParser(prog="videoshare", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the whole local stack in this terminal")
    sub.add_parser("api", help="run the ingress (HTTP API and web app)")
    worker = sub.add_parser("worker", help="run one worker")
    worker.add_argument("name", choices=sorted(WORKERS))
    emulator = sub.add_parser("emulator", help="run the embedded AWS emulator")
    emulator.add_argument("--port", type=int, default=4566)
    sub.add_parser("provision", help="create or update every AWS resource (idempotent)")
    events = sub.add_parser("events", help="the event catalog")
    events_sub = events.add_subparsers(dest="events_command", required=True)
    export = events_sub.add_parser("export", help="write events/ from the models")
    export.add_argument("--out", type=Path, default=Path("events"))
    openapi = sub.add_parser("openapi", help="the HTTP contract (OpenAPI 3.1)")
    openapi_sub = openapi.add_subparsers(dest="openapi_command", required=True)
    openapi_export = openapi_sub.add_parser("export", help="write api/openapi.yaml from the code")
    openapi_export.add_argument("--out", type=Path, default=Path("api") / "openapi.yaml")
    infra = sub.add_parser("infra", help="the AWS deployment (CloudFormation)")
    infra_sub = infra.add_subparsers(dest="infra_command", required=True)
    infra_export = infra_sub.add_parser("export", help="write infra/cloudformation.yaml")
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
    from videoshare.entrypoints.cli.client.commands import (
        add_client_commands,  # upload, videos, login
    )

    add_client_commands(sub)
    from videoshare.entrypoints.cli.ops.arguments import register as register_operator_commands

    register_operator_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["healthcheck"]:
        # Runs in every container every 30 s: skip building the whole parser (and importing
        # the client, the operator commands, aiohttp) for it.
        from videoshare.entrypoints.cli.healthcheck import main as healthcheck

        sys.exit(healthcheck(words[1:]))
    args = _parser().parse_args(words)
    try:
        code = _dispatch(args)
    except UserError as exc:
        print(f"videoshare: {exc}", file=sys.stderr)
        code = 2
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        print(f"videoshare: setting {where!r} is invalid: {err['msg']}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


def _dispatch(args: argparse.Namespace) -> int:
    from videoshare.entrypoints.cli.client.commands import CLIENT_COMMANDS, run_client_command
    from videoshare.local.emulator import EmulatorFailed
    from videoshare.ports import PortInUse

    if args.command in CLIENT_COMMANDS:
        return run_client_command(args)
    try:
        if args.command == "openapi":
            from videoshare.entrypoints.http.openapi import export_document

            print(export_document(args.out))
            return 0
        if args.command == "run":
            from videoshare.local.runner import run_stack

            return run_stack()
        if args.command == "emulator":
            from videoshare.local.emulator import serve_emulator

            return serve_emulator(args.port)
        if args.command == "infra":
            from videoshare.infra.cloudformation import export_template

            print(export_template(args.out))
            return 0
        settings = Settings()
        if args.command == "api":
            from videoshare.entrypoints.http.app import serve

            return serve(settings)
        if args.command == "worker":
            from videoshare.entrypoints.workers import run_worker

            return run_worker(args.name, settings)
        if args.command == "dlq":
            from videoshare.entrypoints.cli.ops.commands import run_dlq

            return run_dlq(args, settings)
        if args.command == "provision":
            return asyncio.run(_provision(settings))
        if args.command == "events":
            from videoshare.infra.event_catalog import export_catalog

            for path in export_catalog(args.out):
                print(path)
            return 0
    except (PortInUse, EmulatorFailed) as exc:
        raise UserError(str(exc)) from exc
    raise AssertionError(args.command)


async def _provision(settings: Settings) -> int:
    from videoshare.aws import open_clients
    from videoshare.infra.provision import provision
    from videoshare.logs import configure_logging

    configure_logging("provision")
    async with open_clients(settings) as aws:
        await provision(aws, settings)
    return 0


if __name__ == "__main__":
    main()
