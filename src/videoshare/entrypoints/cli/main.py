"""The `videoshare` command: every process of the system, and the developer's tools.

    videoshare run                 the whole local stack (emulator, provisioning, every process)
    videoshare api                 the ingress
    videoshare worker NAME         one worker (upload-finalizer, transcoder, ...)
    videoshare emulator            the embedded AWS emulator alone (`--state-dir DIR`: kept)
    videoshare provision           apply the topology to AWS_ENDPOINT_URL (or AWS)
    videoshare events export       regenerate the event catalog under events/
    videoshare openapi export      regenerate the HTTP contract api/openapi.yaml
    videoshare workers export      regenerate the worker catalog under workers/
    videoshare infra export        regenerate the AWS stacks: infra/cloudformation.yaml + stacks/
    videoshare healthcheck         exit 0 when this container's process answers /healthz
    videoshare dlq list|show|replay|purge   the dead-letter queues (ops/commands.py)
    videoshare register|confirm|login|logout|upload|videos   the API's client (client/)

The arguments are `parser.py`'s; the ingress, the workers and the local stack are started
through `programs.py`, by name. Errors a person can fix are printed as one line, with a non-zero
exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from videoshare.children import ChildFailed
from videoshare.entrypoints.cli.client.arguments import CLIENT_COMMANDS
from videoshare.entrypoints.cli.parser import parser
from videoshare.entrypoints.cli.programs import program, run
from videoshare.settings import Settings
from videoshare.tcp_ports import PortInUse


class UserError(Exception):
    """Something the person running the command can fix; printed as one line."""


def main(argv: Sequence[str] | None = None) -> None:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["healthcheck"]:
        # Runs in every container every 30 s: skip building the whole parser (and importing
        # the client, the operator commands, aiohttp) for it.
        from videoshare.entrypoints.cli.healthcheck import main as healthcheck

        sys.exit(healthcheck(words[1:]))
    args = parser().parse_args(words)
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
    if args.command in CLIENT_COMMANDS:
        from videoshare.entrypoints.cli.client.commands import run_client_command

        return run_client_command(args)
    try:
        if args.command == "openapi":
            print(program("openapi export")(args.out))
            return 0
        if args.command == "run":
            return run("run")
        if args.command == "emulator":
            return run("emulator", args.port, args.state_dir)
        if args.command == "workers":
            from videoshare.infra.worker_catalog import export_catalog as export_workers

            for path in export_workers(args.out):
                print(path)
            return 0
        if args.command == "infra":
            from videoshare.infra.cloudformation import export_template

            for path in export_template(args.out):
                print(path)
            return 0
        settings = Settings()
        if args.command == "api":
            return run("api", settings)
        if args.command == "worker":
            return run("worker", args.name, settings)
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
    except (PortInUse, ChildFailed) as exc:
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
