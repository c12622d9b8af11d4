"""The workers: each a real process (`videoshare worker NAME`) reading its own SQS queue.

A worker is a `WorkerDefinition` (message type → handler) built from a `WorkerContext`; the
consumer runtime in `videoshare.bus.runtime` does the rest.
"""

from __future__ import annotations

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


def _definitions() -> dict[str, Callable[[WorkerContext], WorkerDefinition]]:
    from videoshare.entrypoints.workers import (
        housekeeping,
        importer,
        metadata_indexer,
        notifier,
        transcoder,
        upload_finalizer,
        webhook_sender,
    )

    return {
        UPLOAD_FINALIZER: upload_finalizer.definition,
        TRANSCODER: transcoder.definition,
        IMPORTER: importer.definition,
        METADATA_INDEXER: metadata_indexer.definition,
        NOTIFIER: notifier.definition,
        WEBHOOK_SENDER: webhook_sender.definition,
        HOUSEKEEPING: housekeeping.definition,
    }


WORKERS: tuple[str, ...] = (
    UPLOAD_FINALIZER,
    TRANSCODER,
    IMPORTER,
    METADATA_INDEXER,
    NOTIFIER,
    WEBHOOK_SENDER,
    HOUSEKEEPING,
)


def run_worker(name: str, settings: Settings) -> int:
    from videoshare.entrypoints.workers.process import run

    return run(name, _definitions()[name], settings)
