"""structlog set-up: one JSON line per event off a terminal, pretty lines on a terminal.

Tracebacks never carry the frames' local variables, in either format: a password, a token or a
webhook secret is a local somewhere on the way to most errors (structlog's and rich's
traceback renderers show locals unless told not to).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

import structlog


def configure_logging(
    process: str, *, level: str | None = None, fmt: str | None = None, out: TextIO | None = None
) -> None:
    """Log as `process` to `out` (stderr): `fmt` "console" or "json" (default: console on a
    terminal, JSON otherwise, or `VIDEOSHARE_LOG_FORMAT`)."""
    level_name = (level or os.environ.get("VIDEOSHARE_LOG_LEVEL", "INFO")).upper()
    renderer: structlog.typing.Processor
    stream = out or sys.stderr
    fmt = (
        fmt or os.environ.get("VIDEOSHARE_LOG_FORMAT") or ("console" if stream.isatty() else "json")
    )
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer(
            colors=stream.isatty() or "FORCE_COLOR" in os.environ,
            exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False),
        )
    else:
        renderer = structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
            if isinstance(renderer, structlog.processors.JSONRenderer)
            else structlog.dev.set_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level_name, logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(process=process)
