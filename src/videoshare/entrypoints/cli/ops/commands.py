"""`videoshare dlq …`: an operator's view of the dead-letter queues.

    videoshare dlq list                                   queue, source, depth, oldest message
    videoshare dlq show QUEUE [--limit N]                 what each message is and why it failed
    videoshare dlq replay QUEUE [--type T] [--limit N] [--dry-run] [--rate N]
    videoshare dlq purge QUEUE --yes

QUEUE is a consumer's name (`transcoder`) or the dead-letter queue's full name. Whatever goes
wrong that a person can fix (unknown queue, unreachable endpoint, bad credentials, a purge
within SQS's minute) is one line on stderr and exit code 2. A replay whose every message is
(or, in a dry run, would be) dead-lettered again says so; the real one exits 1. The arguments
are declared in `arguments.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
)
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from videoshare.adapters.dead_letter_queues import (
    DlqOperator,
    PurgeTooSoon,
    ReplaySummary,
    UnknownQueue,
)
from videoshare.adapters.dead_letters import human_age
from videoshare.bootstrap import open_dead_letter_operator
from videoshare.settings import Settings

USER_ERROR = 2
ALL_BOUNCED = 1  # a replay in which every message was dead-lettered again
_CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidSecurity",
        "AccessDenied",
        "AccessDeniedException",
    }
)


def run_dlq(args: argparse.Namespace, settings: Settings) -> int:
    """Run one `dlq` subcommand; one line on stderr and exit 2 for what a person can fix."""
    try:
        return asyncio.run(_run(args, settings))
    except (UnknownQueue, PurgeTooSoon) as exc:
        return _one_line(str(exc))
    except (NoCredentialsError, PartialCredentialsError):
        return _one_line(
            "no usable AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(or AWS_PROFILE)"
        )
    except EndpointConnectionError:
        where = settings.aws_endpoint_url or f"AWS in {settings.aws_region}"
        return _one_line(
            f"cannot reach {where}; is the stack running (`make run`), "
            "and is AWS_ENDPOINT_URL right?"
        )
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _CREDENTIAL_CODES:
            return _one_line(
                f"AWS refused the credentials ({code}); check AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY and the session token"
            )
        return _one_line(f"AWS answered {code or 'an error'}: {exc}")
    except BotoCoreError as exc:
        return _one_line(f"the AWS call failed: {exc}")


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    out = Console(highlight=False, markup=False, soft_wrap=True)
    async with open_dead_letter_operator(settings) as ops:
        match args.dlq_command:
            case "list":
                return await _list(ops, out)
            case "show":
                return await _show(ops, out, args.queue, args.limit)
            case "replay":
                return await _replay(ops, out, args)
            case "purge":
                return await _purge(ops, out, args.queue, yes=args.yes)
    raise AssertionError(args.dlq_command)


async def _list(ops: DlqOperator, out: Console) -> int:
    # Narrow enough for 80 columns: the source queue is named by its consumer (the dead-letter
    # queue's name already holds the stack's), and names are never folded.
    table = Table(title="dead-letter queues")
    table.add_column("queue", no_wrap=True)
    table.add_column("of consumer", no_wrap=True)
    table.add_column("depth", justify="right")
    table.add_column("oldest", justify="right", no_wrap=True)
    for ref in await ops.all():
        status = await ops.status(ref)
        table.add_row(ref.name, ref.consumer, str(status.depth), human_age(status.oldest_age_s))
    out.print(table)
    return 0


async def _show(ops: DlqOperator, out: Console, queue: str, limit: int) -> int:
    ref = await ops.find(queue)
    letters = await ops.show(ref, limit)
    if not letters:
        out.print(f"{ref.name} is empty")
        return 0
    # One block per message: a table of nine columns does not fit a terminal.
    out.print(f"{ref.name} (source {ref.source_name}): {len(letters)} message(s)")
    for d in letters:
        out.print("")
        out.print(f"message {d.message_id}")
        out.print(f"  event     {d.event_id}  {d.event_type}  video {d.video_id}")
        out.print(f"  failed    {d.failed_at}  after {d.receive_count} receive(s), {d.code}")
        out.print(f"  reason    {d.reason}")
        out.print(f"  body      {d.body}")
    return 0


async def _replay(ops: DlqOperator, out: Console, args: argparse.Namespace) -> int:
    ref = await ops.find(args.queue)
    total = await ops.depth(ref.url)
    if args.limit is not None:
        total = min(total, args.limit)
    verb = "would replay" if args.dry_run else "replayed"
    columns = (
        TextColumn(f"{verb} {{task.completed}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out, transient=not out.is_terminal) as progress:
        task = progress.add_task("replay", total=total or None)

        def advance(summary: ReplaySummary) -> None:
            progress.update(task, completed=summary.replayed)

        summary = await ops.replay(
            ref,
            event_type=args.event_type,
            limit=args.limit,
            dry_run=args.dry_run,
            rate=args.rate,
            on_progress=advance,
        )
    if args.event_type and not summary.replayed:
        out.print(_no_such_type(ref.name, args.event_type, summary))
        return 0
    out.print(_summary_line(ref.name, ref.source_name, summary))
    if warning := _bounce_warning(ref.source_name, summary):
        print(f"videoshare: {warning}", file=sys.stderr)
    return ALL_BOUNCED if summary.all_bounce and not summary.dry_run else 0


def _summary_line(dlq: str, source: str, summary: ReplaySummary) -> str:
    verb = "would move" if summary.dry_run else "moved"
    parts = [f"{verb} {summary.replayed} message(s) from {dlq} back to {source}"]
    if summary.skipped_type:
        parts.append(f"{summary.skipped_type} of other types left")
    if summary.came_back:
        parts.append(f"{summary.came_back} dead-lettered again during the replay, left")
    return "; ".join(parts)


def _bounce_warning(source: str, summary: ReplaySummary) -> str | None:
    """What is (or would be) dead-lettered again, when anything is."""
    if not summary.bouncing:
        return None
    if summary.all_bounce:
        who = "every message replayed" if not summary.dry_run else "every message"
    else:
        who = f"{summary.bouncing} of the {summary.replayed} message(s)"
    verb = "would be" if summary.dry_run else "is"
    why = f" ({summary.malformed} not a valid message for {source})" if summary.malformed else ""
    return (
        f"warning: {who} {verb} dead-lettered again at once{why}; "
        "`videoshare dlq show` says what they hold"
    )


def _no_such_type(dlq: str, event_type: str, summary: ReplaySummary) -> str:
    if not summary.other_types:
        return f"no message of type {event_type!r} to replay: {dlq} is empty"
    there = ", ".join(f"{t} ({n})" for t, n in summary.other_types.most_common())
    return f"no message in {dlq} has type {event_type!r}; the types there: {there}"


async def _purge(ops: DlqOperator, out: Console, queue: str, *, yes: bool) -> int:
    ref = await ops.find(queue)
    if not yes:
        depth = await ops.depth(ref.url)
        return _one_line(
            f"purging deletes the {depth} message(s) of {ref.name} for good; "
            "add --yes to do it (or `dlq replay` them instead)"
        )
    purged = await ops.purge(ref)
    out.print(f"purged {purged} message(s) from {ref.name}")
    return 0


def _one_line(message: str) -> int:
    print(f"videoshare: {message}", file=sys.stderr)
    return USER_ERROR
