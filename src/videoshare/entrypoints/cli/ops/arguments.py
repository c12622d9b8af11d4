"""The `videoshare dlq` arguments, apart from the commands so that building the parser (which
every process does at start) imports nothing heavy; `commands.py` runs them."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add `dlq` and its subcommands to the `videoshare` parser's subparsers."""
    dlq = sub.add_parser("dlq", help="inspect, replay and purge the dead-letter queues")
    commands = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    commands.add_parser("list", help="every dead-letter queue: source, depth, oldest message")
    show = commands.add_parser("show", help="the messages of one dead-letter queue")
    show.add_argument("queue", help="a consumer name (transcoder) or the queue's full name")
    show.add_argument("--limit", type=_positive, default=20, help="at most N messages (20)")
    replay = commands.add_parser("replay", help="move messages back to their source queue")
    replay.add_argument("queue")
    replay.add_argument("--type", dest="event_type", help="only events of this type")
    replay.add_argument("--limit", type=_positive, help="at most N messages")
    replay.add_argument("--dry-run", action="store_true", help="count, move nothing")
    replay.add_argument("--rate", type=_positive_float, help="at most N messages per second")
    purge = commands.add_parser("purge", help="delete every message of a dead-letter queue")
    purge.add_argument("queue")
    purge.add_argument("--yes", action="store_true", help="yes, delete them for good")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value
