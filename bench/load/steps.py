"""The stepped load test's figures, as pure functions of what the run recorded.

`make load` raises the number of people in steps (`plan`); locust's shape (`locustfile.py`)
marks the moment each step begins on the timeline, every request and every upload carries its
wall-clock time, and the sampler (`sampler.py`) records each process's CPU and memory. Here
those records become one `StepResult` per step, and `find_knee` names the first step that
degrades against the first one. `report.py` writes them out; `run.py` does the I/O.

| recorded | counts in the step | its figures |
|---|---|---|
| a request (`Request`) | it ended in | requests/s, errors, p50/p95/p99 per route, API p95 |
| an upload (`Upload`) | its PUT ended in | PUT's end → `ready` p50/p95, however late it came |
| a look at a process (`Usage`) | it was taken in | CPU % of one core (mean, peak), peak RSS |
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

DEFAULT_USERS = (2, 4, 8, 12, 16, 24)
DEFAULT_MINUTES = 10.0
# A step has degraded when its p95 (API routes, or upload → ready) is more than this times the
# first step's, or when more than `ERRORS_AT_KNEE` of its requests failed.
KNEE_FACTOR = 2.0
ERRORS_AT_KNEE = 0.01
# Usage records that are not a process of `make run`: the load itself, and the whole machine
LOCUST = "locust (the load)"
MACHINE = "the machine (every process)"
INGRESS = "ingress"
OTHERS = "other work on the machine"  # the machine less the stack and locust
NOT_THE_STACK = frozenset({LOCUST, MACHINE, OTHERS})

T = TypeVar("T")


@dataclass(frozen=True)
class PlannedStep:
    users: int
    until_s: float  # seconds after the start of the load at which the step ends


@dataclass(frozen=True)
class Plan:
    """The run `make load` makes: `users` people at once in equal steps filling `minutes`."""

    users: tuple[int, ...] = DEFAULT_USERS
    minutes: float = DEFAULT_MINUTES
    spawn_rate: float = 2.0  # people starting a second when a step adds some
    knee_factor: float = KNEE_FACTOR

    def __post_init__(self) -> None:
        if not self.users or any(n < 1 for n in self.users) or self.minutes <= 0:
            raise ValueError(
                f"steps need people (1 or more each) and time: {self.users}, {self.minutes} min"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Plan:
        """`LOAD_STEPS` (people per step, comma-separated), `LOAD_MINUTES`,
        `LOAD_SPAWN_RATE`, `LOAD_KNEE_FACTOR`; each unset or empty one keeps its default."""
        steps = env.get("LOAD_STEPS", "").strip()
        try:
            return cls(
                users=tuple(int(n) for n in steps.split(",")) if steps else DEFAULT_USERS,
                minutes=float(env.get("LOAD_MINUTES") or DEFAULT_MINUTES),
                spawn_rate=float(env.get("LOAD_SPAWN_RATE") or 2.0),
                knee_factor=float(env.get("LOAD_KNEE_FACTOR") or KNEE_FACTOR),
            )
        except ValueError as error:
            raise ValueError(
                "LOAD_STEPS takes people per step, comma-separated (2,4,8); LOAD_MINUTES, "
                f"LOAD_SPAWN_RATE and LOAD_KNEE_FACTOR take numbers ({error})"
            ) from error

    @property
    def is_the_full_run(self) -> bool:
        return self.minutes == DEFAULT_MINUTES and self.users == DEFAULT_USERS

    def steps(self) -> list[PlannedStep]:
        each = self.minutes * 60 / len(self.users)
        return [PlannedStep(n, each * (i + 1)) for i, n in enumerate(self.users)]

    def step_at(self, run_time_s: float) -> int | None:
        """The index (from 0) of the step `run_time_s` into the load; None after the last."""
        return next((i for i, step in enumerate(self.steps()) if run_time_s < step.until_s), None)


@dataclass(frozen=True)
class Step:
    """A step as it ran: from the moment the shape began it to the next one (or the end)."""

    index: int  # from 1
    users: int
    started: float  # wall clock (time.time())
    ended: float

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def holds(self, t: float) -> bool:
        return self.started <= t < self.ended


def steps_from_marks(marks: Sequence[tuple[float, int]], ended: float) -> list[Step]:
    """Steps from the shape's marks (when, people), in the order they came; the last one
    lasts until `ended`, when the load stopped."""
    ordered = sorted(marks)
    ends = [t for t, _ in ordered[1:]] + [ended]
    return [
        Step(i + 1, users, started, end)
        for i, ((started, users), end) in enumerate(zip(ordered, ends, strict=True))
    ]


@dataclass(frozen=True)
class Request:
    t: float  # when it ended
    route: str
    ms: float
    ok: bool
    api: bool  # answered by the ingress (not by the object store)


@dataclass(frozen=True)
class Upload:
    uploaded_at: float  # when its PUT ended
    status: str  # its last status, once the run has drained
    ended_at: float | None  # when it reached that status (its record's last write)

    @property
    def ready_s(self) -> float | None:
        if self.status != "ready" or self.ended_at is None:
            return None
        return self.ended_at - self.uploaded_at


@dataclass(frozen=True)
class Usage:
    t: float
    process: str
    cpu: float  # % of one core since the sample before
    rss_mib: float


@dataclass(frozen=True)
class Percentiles:
    count: int
    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Percentiles | None:
        ordered = sorted(values)
        if not ordered:
            return None
        return cls(
            len(ordered),
            percentile(ordered, 50),
            percentile(ordered, 95),
            percentile(ordered, 99),
        )


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest rank: the smallest value that at least `q` % of the values do not exceed."""
    if not ordered:
        raise ValueError("no values")
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class ProcessLoad:
    cpu_mean: float
    cpu_peak: float
    rss_peak_mib: float


@dataclass(frozen=True)
class StepResult:
    step: Step
    requests: int
    errors: int
    routes: dict[str, Percentiles]  # ms
    api: Percentiles | None  # ms, every API request of the step together
    uploads: int
    ready: Percentiles | None  # seconds from the PUT's end to `ready`
    not_ready: dict[str, int]  # the step's uploads that ended otherwise, by status
    processes: dict[str, ProcessLoad] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.requests / self.step.seconds if self.step.seconds > 0 else 0.0

    @property
    def api_per_second(self) -> float:
        return self.api.count / self.step.seconds if self.api and self.step.seconds > 0 else 0.0

    def cpu_ms_per_api_request(self, process: str = INGRESS) -> float | None:
        """The process's CPU per API request of the step, in ms (the ingress's: what one
        ingress task can serve, docs/SCALING.md)."""
        load = self.processes.get(process)
        if load is None or not self.api_per_second:
            return None
        return 10 * load.cpu_mean / self.api_per_second  # % of a core = 10 ms per second

    @property
    def error_share(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def busiest(self) -> tuple[str, ProcessLoad] | None:
        """The process of `make run` that used the most CPU during the step (mean of the
        step's looks); locust and the machine as a whole are not candidates."""
        candidates = [(n, p) for n, p in self.processes.items() if n not in NOT_THE_STACK]
        return max(candidates, key=lambda item: item[1].cpu_mean, default=None)


def results(
    steps: Sequence[Step],
    requests: Iterable[Request],
    uploads: Iterable[Upload],
    usage: Iterable[Usage],
) -> list[StepResult]:
    """One result per step; a record outside every step (before the first mark, or after the
    load stopped) counts in none."""
    by_step_requests: dict[int, list[Request]] = defaultdict(list)
    by_step_uploads: dict[int, list[Upload]] = defaultdict(list)
    by_step_usage: dict[int, list[Usage]] = defaultdict(list)
    for request in requests:
        _file(steps, request.t, request, by_step_requests)
    for upload in uploads:
        _file(steps, upload.uploaded_at, upload, by_step_uploads)
    for sample in usage:
        _file(steps, sample.t, sample, by_step_usage)
    return [
        _result(
            step,
            by_step_requests[step.index],
            by_step_uploads[step.index],
            by_step_usage[step.index],
        )
        for step in steps
    ]


def _file(steps: Sequence[Step], t: float, item: T, into: dict[int, list[T]]) -> None:
    step = next((s for s in steps if s.holds(t)), None)
    if step is not None:
        into[step.index].append(item)


def _result(
    step: Step, requests: list[Request], uploads: list[Upload], usage: list[Usage]
) -> StepResult:
    by_route: dict[str, list[float]] = defaultdict(list)
    for request in requests:
        by_route[request.route].append(request.ms)
    not_ready: dict[str, int] = defaultdict(int)
    for upload in uploads:
        if upload.ready_s is None:
            not_ready[upload.status] += 1
    by_process: dict[str, list[Usage]] = defaultdict(list)
    for sample in usage:
        by_process[sample.process].append(sample)
    # a process absent from a look (an ffmpeg between jobs) used nothing then: the mean is
    # over every look of the step, not over the looks that saw it
    looks = len({sample.t for sample in usage})
    return StepResult(
        step=step,
        requests=len(requests),
        errors=sum(not r.ok for r in requests),
        routes={
            route: p
            for route, values in sorted(by_route.items())
            if (p := Percentiles.of(values)) is not None
        },
        api=Percentiles.of(r.ms for r in requests if r.api),
        uploads=len(uploads),
        ready=Percentiles.of(s for u in uploads if (s := u.ready_s) is not None),
        not_ready=dict(not_ready),
        processes={
            name: ProcessLoad(
                cpu_mean=sum(s.cpu for s in samples) / looks,
                cpu_peak=max(s.cpu for s in samples),
                rss_peak_mib=max(s.rss_mib for s in samples),
            )
            for name, samples in sorted(by_process.items())
        },
    )


@dataclass(frozen=True)
class Knee:
    result: StepResult
    why: list[str]  # each way it degraded, as a phrase


def find_knee(
    steps: Sequence[StepResult], factor: float = KNEE_FACTOR, errors: float = ERRORS_AT_KNEE
) -> Knee | None:
    """The first step after the first whose API p95 or upload → ready p95 is more than
    `factor` times the first step's that has one, or whose share of failed requests is over
    `errors`; None when no step degraded so."""
    api_base = next((s.api.p95 for s in steps if s.api is not None), None)
    ready_base = next((s.ready.p95 for s in steps if s.ready is not None), None)
    for result in steps[1:]:
        why = []
        if result.api is not None and api_base and result.api.p95 > factor * api_base:
            why.append(
                f"API p95 {result.api.p95:.0f} ms = {result.api.p95 / api_base:.1f}x "
                f"the first step's {api_base:.0f} ms"
            )
        if result.ready is not None and ready_base and result.ready.p95 > factor * ready_base:
            why.append(
                f"upload → ready p95 {result.ready.p95:.1f} s = "
                f"{result.ready.p95 / ready_base:.1f}x the first step's {ready_base:.1f} s"
            )
        if result.error_share > errors:
            why.append(f"{result.error_share:.1%} of requests failed")
        if why:
            return Knee(result, why)
    return None
