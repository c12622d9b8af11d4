"""`make run SCALE=transcoder=2,notifier=2` (or `VIDEOSHARE_SCALE`): how many processes of each
worker the local runner starts, as an ECS service runs several tasks of one worker.

Pure parsing; the runner (`runner.py`) starts the copies, each with its own health port and
log prefix (`transcoder-1`, `transcoder-2`), supervised like every other child.
"""

from __future__ import annotations

from collections.abc import Collection

SCALE_ENV = "VIDEOSHARE_SCALE"
MAX_COPIES = 16  # a typo (`transcoder=20`) on a 2-core laptop is a mistake, not a wish


class ScaleError(ValueError):
    """A SCALE the person can fix; its message is one line."""


def parse_scale(text: str, workers: Collection[str]) -> dict[str, int]:
    """`"transcoder=2,notifier=2"` → `{"transcoder": 2, "notifier": 2}`; empty → `{}`.
    Only the workers named in `workers`; each count an integer from 1 to `MAX_COPIES`."""
    counts: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, count = (s.strip() for s in part.partition("="))
        if not sep or not name or not count:
            raise ScaleError(f"SCALE: {part!r} is not WORKER=N (e.g. transcoder=2)")
        if name not in workers:
            known = ", ".join(sorted(workers))
            raise ScaleError(f"SCALE: no worker named {name!r}; the workers are {known}")
        if name in counts:
            raise ScaleError(f"SCALE: {name!r} is given twice")
        if not count.isdigit() or not 1 <= int(count) <= MAX_COPIES:
            raise ScaleError(f"SCALE: {name}={count} must be a whole number from 1 to {MAX_COPIES}")
        counts[name] = int(count)
    return counts


def copy_names(name: str, copies: int) -> list[str]:
    """The log prefixes of a worker's copies: its own name alone, or numbered from 1."""
    if copies == 1:
        return [name]
    return [f"{name}-{i}" for i in range(1, copies + 1)]
