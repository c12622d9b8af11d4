"""The load test's timeline: one JSON line per event, written by locust's process
(`locustfile.py`: the shape's step marks, every request, every upload) and read by `run.py`.

    {"kind": "step", "t": 1765150000.1, "users": 4}
    {"kind": "request", "t": …, "route": "GET /v1/videos?scope=public", "ms": 31.2,
     "ok": true, "api": true}
    {"kind": "upload", "t": …, "id": "…", "token": "…"}      (t: when its PUT ended)

`t` is the wall clock (`time.time()`), the one clock locust, the sampler and the video records'
`updated_at` share on one machine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load.steps import Request


class Writer:
    """Appends lines to the file at `path` (None: writes nothing). Locust runs its users as
    greenlets in one thread, and a write does not yield, so lines never interleave."""

    def __init__(self, path: str | None) -> None:
        self._path = Path(path) if path else None

    def write(self, kind: str, **fields: Any) -> None:
        if self._path is not None:
            with self._path.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"kind": kind, "t": time.time(), **fields}) + "\n")


@dataclass(frozen=True)
class UploadEntry:
    id: str
    token: str
    uploaded_at: float


@dataclass
class Timeline:
    marks: list[tuple[float, int]] = field(default_factory=list)  # (when, people)
    requests: list[Request] = field(default_factory=list)
    uploads: list[UploadEntry] = field(default_factory=list)


def read(lines: Iterable[str]) -> Timeline:
    timeline = Timeline()
    for line in lines:
        if not line.strip():
            continue
        entry = json.loads(line)
        match entry["kind"]:
            case "step":
                timeline.marks.append((entry["t"], entry["users"]))
            case "request":
                timeline.requests.append(
                    Request(entry["t"], entry["route"], entry["ms"], entry["ok"], entry["api"])
                )
            case "upload":
                timeline.uploads.append(UploadEntry(entry["id"], entry["token"], entry["t"]))
    return timeline
