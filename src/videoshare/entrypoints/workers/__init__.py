"""The workers: each a real process (`videoshare worker NAME`) reading its own SQS queue.

A worker is a `WorkerDefinition` (message type → handler) built from a `WorkerContext`; the
consumer runtime in `videoshare.bus.runtime` does the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from videoshare.infra.topology import (
    HOUSEKEEPING,
    IMPORTER,
    METADATA_INDEXER,
    NOTIFIER,
    TRANSCODER,
    UPLOAD_FINALIZER,
    WEBHOOK_SENDER,
)
from videoshare.settings import Settings

if TYPE_CHECKING:
    from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition


# Each worker's definition, by module: a process imports its own worker's module and no other
# (another worker's use cases and libraries would only take memory: issue 14, item 6).
DEFINITIONS: dict[str, str] = {
    UPLOAD_FINALIZER: "upload_finalizer",
    TRANSCODER: "transcoder",
    IMPORTER: "importer",
    METADATA_INDEXER: "metadata_indexer",
    NOTIFIER: "notifier",
    WEBHOOK_SENDER: "webhook_sender",
    HOUSEKEEPING: "housekeeping",
}


WORKERS: tuple[str, ...] = tuple(DEFINITIONS)


def definition_of(name: str) -> Callable[[WorkerContext], WorkerDefinition]:
    """Worker `name`'s `definition` function, its module imported now."""
    module = importlib.import_module(f"{__name__}.{DEFINITIONS[name]}")
    define: Callable[[WorkerContext], WorkerDefinition] = module.definition
    return define


def run_worker(name: str, settings: Settings) -> int:
    from videoshare.entrypoints.workers.process import run

    return run(name, definition_of(name), settings)
