"""When a percentage on a video record is worth a write: an import's (`import_progress.py`)
and a transcode's (`transcode_job.py`) alike.

A write is due when the percentage moved by `STEP_POINTS` since the last one, or by at least
`MIN_POINTS` once `INTERVAL_S` passed: about twenty writes for a fast job, one a second for a
slow one, and never more than a hundred, however long the job (each write is the record and
its index copies: docs/SCALING.md counts them).
"""

from __future__ import annotations

STEP_POINTS = 5.0
MIN_POINTS = 1.0
INTERVAL_S = 1.0


def write_due(percent: float, last: float, since_last_s: float) -> bool:
    """Whether `percent` is worth a write, `last` having been written `since_last_s` ago."""
    moved = round(percent, 1) - round(last, 1)
    return moved >= STEP_POINTS or (moved >= MIN_POINTS and since_last_s >= INTERVAL_S)
