"""CPU and memory of every process of `make run` while the load runs: what saturates first.

Every `EVERY_S` the sampler looks at the runner and all its descendants (the emulator, the
ingress, each worker, each ffmpeg a transcoder started), at locust, and at the whole machine,
and records one `Usage` per process: its CPU since the look before, in % of one core, and its
resident memory. A worker's ffmpeg is a process of its own here, not part of the worker: an
ffmpeg that ended between two looks is counted from the CPU its parent reaped (`cpu_between`).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.load.steps import LOCUST, MACHINE, OTHERS, Usage

EVERY_S = 1.0
# What a process's children are before one has been seen (a short one can start and end
# between two looks): the transcoder's are its ffmpeg, locust's the clips its people make.
CHILDREN_OF = {"transcoder": "ffmpeg", LOCUST: LOCUST}
MIB = 1024 * 1024


@dataclass(frozen=True)
class Seen:
    """One process at one look."""

    label: str
    parent: int | None
    own_s: float  # CPU seconds of the process itself (user + system)
    reaped_s: float  # CPU seconds of its children that ended and were waited for
    rss_mib: float
    children: str | None = None  # the label its children have had (e.g. ffmpeg), once seen


def cpu_between(
    before: Mapping[int, Seen], after: Mapping[int, Seen], seconds: float
) -> dict[str, float]:
    """CPU per label between two looks, in % of one core. A process seen for the first time
    counts all it used since it started (it started after the look before); the CPU a process
    reaped from its children goes to its children's label, less what the look before had
    already seen those children use."""
    used: dict[str, float] = defaultdict(float)
    for pid, now in after.items():
        then = before.get(pid)
        used[now.label] += now.own_s - (then.own_s if then else 0.0)
        reaped = now.reaped_s - (then.reaped_s if then else 0.0)
        if reaped <= 0:
            continue
        counted = sum(
            child.own_s + child.reaped_s
            for child_pid, child in before.items()
            if child.parent == pid and child_pid not in after
        )
        if reaped > counted:
            used[now.children or f"{now.label}'s children"] += reaped - counted
    return {label: 100 * s / seconds for label, s in used.items()}


def rss_by_label(seen: Mapping[int, Seen]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for process in seen.values():
        total[process.label] += process.rss_mib
    return dict(total)


def role(argv: list[str]) -> str:
    """What a process of `make run` is, from its command line."""
    program = Path(argv[0]).name if argv else "?"
    if program.startswith("ffmpeg"):  # imageio-ffmpeg's binary has its version in its name
        return "ffmpeg"
    if "worker" in argv[:-1]:
        return argv[argv.index("worker") + 1]
    if "api" in argv:
        return "ingress"
    if any("moto" in a or "emulator" in a for a in argv):
        return "emulator"
    if "run" in argv:
        return "runner (make run)"
    return program


class Sampler:
    """Samples in a thread of its own from `start()` to `stop()`; `usage` holds the records."""

    def __init__(self, runner: int | None) -> None:
        self.runner = runner
        self.locust: int | None = None
        self.usage: list[Usage] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._children_labels: dict[int, str] = {}

    def start(self) -> None:
        psutil.cpu_percent()  # the machine's first call only starts its count
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        before, then = self._look(), time.monotonic()
        while not self._stop.wait(EVERY_S):
            after, now, t = self._look(), time.monotonic(), time.time()
            rss = rss_by_label(after)
            used = cpu_between(before, after, now - then)
            for label, cpu in sorted(used.items()):
                self.usage.append(Usage(t, label, cpu, rss.get(label, 0.0)))
            machine = psutil.cpu_percent() * (psutil.cpu_count() or 1)
            self.usage.append(Usage(t, MACHINE, machine, psutil.virtual_memory().used / MIB))
            self.usage.append(Usage(t, OTHERS, max(0.0, machine - sum(used.values())), 0.0))
            before, then = after, now

    def _look(self) -> dict[int, Seen]:
        found: list[tuple[psutil.Process, str]] = []
        try:
            if self.runner is not None:
                root = psutil.Process(self.runner)
                found.append((root, role(root.cmdline())))
                for process in root.children(recursive=True):
                    found.append((process, role(process.cmdline())))
            if self.locust is not None:
                locust = psutil.Process(self.locust)
                found.append((locust, LOCUST))
                # its children (the clips each person makes with ffmpeg) are the load's too
                found += [(child, LOCUST) for child in locust.children(recursive=True)]
        except psutil.Error:
            pass
        labels = _numbered(found)
        seen: dict[int, Seen] = {}
        for process, name in found:
            if name in CHILDREN_OF:
                self._children_labels.setdefault(process.pid, CHILDREN_OF[name])
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    parent = process.ppid()
                    rss = process.memory_info().rss / MIB
            except psutil.Error:
                continue
            if parent in labels and process.pid in labels:
                self._children_labels[parent] = labels[process.pid]
            seen[process.pid] = Seen(
                label=labels[process.pid],
                parent=parent,
                own_s=times.user + times.system,
                reaped_s=times.children_user + times.children_system,
                rss_mib=rss,
            )
        return {
            pid: dataclasses.replace(s, children=self._children_labels.get(pid))
            for pid, s in seen.items()
        }


def _numbered(found: list[tuple[psutil.Process, str]]) -> dict[int, str]:
    """Each process's label: its role, numbered when the runner runs several of it
    (`SCALE=transcoder=2`); ffmpeg and other short-lived helpers share one label."""
    by_role: dict[str, list[int]] = defaultdict(list)
    for process, name in found:
        by_role[name].append(process.pid)
    labels = {}
    for name, pids in by_role.items():
        numbered = len(pids) > 1 and name not in {"ffmpeg", LOCUST}
        for i, pid in enumerate(sorted(pids), start=1):
            labels[pid] = f"{name}-{i}" if numbered else name
    return labels
