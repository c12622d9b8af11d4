"""`bench/results/load.md`, written from a run's figures: a pure function (`render`) of what
`run.py` measured, so that its wording and its verdicts are tested without a load run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bench.load.sampler import EVERY_S
from bench.load.steps import (
    ERRORS_AT_KNEE,
    MACHINE,
    NOT_THE_STACK,
    OTHERS,
    Knee,
    Percentiles,
    Plan,
    StepResult,
)

ENDED_WELL = {"ready", "rejected"}
_Cell = Callable[[StepResult, str], str]
MACHINE_FULL = 0.9  # of every core: the machine, not a process, is what ran out


@dataclass(frozen=True)
class Afterwards:
    """What the run found once the load stopped and every upload had ended (or not)."""

    statuses: dict[str, int]  # the uploads' last status: how many of each
    without_reason: list[str]  # rejected or failed, and no reason given
    unfinished: list[str]  # still not ended when the drain's time ran out
    drain_limit_s: float
    drained_s: float
    dead_letters: dict[str, int]  # worker → messages in its dead-letter queue
    locust_code: int

    @property
    def uploads(self) -> int:
        return sum(self.statuses.values()) + len(self.unfinished)

    @property
    def ok(self) -> bool:
        return (
            set(self.statuses) <= ENDED_WELL
            and not self.without_reason
            and not self.unfinished
            and not any(self.dead_letters.values())
        )


@dataclass(frozen=True)
class Run:
    started: datetime
    plan: Plan
    against: str
    cores: int
    load_before: float
    load_after: float
    steps: Sequence[StepResult]
    knee: Knee | None
    afterwards: Afterwards
    scale: str = ""  # `SCALE=…` of the stack, if any
    notes: Sequence[str] = field(default_factory=tuple)


def render(run: Run) -> str:
    plan = run.plan
    people = ", ".join(str(n) for n in plan.users)
    lines = ["# load", ""]
    if not plan.is_the_full_run:
        lines += [
            f"**A short run ({plan.minutes:g} min, people {people}), not the issue's 10-minute "
            "stepped run**: it proves `make load` works end to end; its figures are this "
            "machine's at this moment, not the service's capacity.",
            "",
        ]
    lines += [
        f"Run {run.started:%Y-%m-%d %H:%M} UTC: {plan.minutes:g} min in {len(plan.users)} "
        f"equal steps of {people} people (arriving {plan.spawn_rate:g}/s) against "
        f"{run.against}{f' ({run.scale})' if run.scale else ''}, on {run.cores} cores "
        f"(load average {run.load_before:.1f} before, {run.load_after:.1f} after: above "
        f"{run.cores} means other work shared the machine). `make load` (bench/load/).",
        "",
        "## Steps",
        "",
        "| step | people | s | req/s (API) | errors | API p50 / p95 / p99 ms "
        "| ingress CPU ms per API request | uploads | upload → ready p50 / p95 s | not ready "
        "| busiest process, CPU % of one core | machine CPU % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in run.steps:
        busiest = result.busiest()
        machine = result.processes.get(MACHINE)
        lines.append(
            f"| {result.step.index} | {result.step.users} | {result.step.seconds:.0f} "
            f"| {result.per_second:.1f} ({result.api_per_second:.1f}) | {result.errors} "
            f"| {_ms(result.api)} | {_number(result.cpu_ms_per_api_request())} "
            f"| {result.uploads} | {_s(result.ready)} "
            f"| {_counts(result.not_ready) or '—'} "
            f"| {f'{busiest[0]} {busiest[1].cpu_mean:.0f}' if busiest else '—'} "
            f"| {f'{machine.cpu_mean:.0f} of {100 * run.cores}' if machine else '—'} |"
        )
    lines += [
        "",
        "API routes are those the ingress answers (every route but the object store's: the "
        "presigned PUT and the segments). Upload → ready is from the end of the PUT to the "
        "video's last write (the `ready` one; views are added without it), counted in the "
        "step whose PUT it was, however long after the step it came. Percentiles are nearest "
        "rank: with few uploads in a step, its p95 is its slowest.",
        "",
        *_knee(run),
        "",
        "## Routes (p50 / p95 / p99 ms, by step)",
        "",
        *_by_step_table(
            "route",
            run.steps,
            sorted({route for result in run.steps for route in result.routes}),
            lambda result, route: _ms(result.routes.get(route)),
        ),
        "",
        "## Processes (mean CPU % of one core / peak RSS MiB, by step)",
        "",
        *_by_step_table(
            "process",
            run.steps,
            _processes_busiest_first(run.steps),
            lambda result, name: (
                "—"
                if (p := result.processes.get(name)) is None
                else f"{p.cpu_mean:.0f} / {p.rss_peak_mib:.0f}"
                if p.rss_peak_mib
                else f"{p.cpu_mean:.0f}"
            ),
        ),
        "",
        f"Sampled every {EVERY_S:g} s: every descendant of the runner (each ffmpeg apart from "
        "its transcoder), locust with the clips its people make, the whole machine (its "
        f"memory: the machine's used memory) and the {OTHERS} (the machine less the rest). "
        "Python processes run one thread at a time: about 100 % of one core is as much as one "
        "of them can use.",
        "",
        *_afterwards(run.afterwards),
        *(["", *run.notes] if run.notes else []),
    ]
    return "\n".join(lines) + "\n"


def _knee(run: Run) -> list[str]:
    rule = (
        f"A step has degraded when its API p95 or its upload → ready p95 is more than "
        f"{run.plan.knee_factor:g}x the first step's, or more than {ERRORS_AT_KNEE:.0%} of its "
        "requests failed."
    )
    lines = ["## The knee", "", rule, ""]
    if not run.steps:
        return [*lines, "No step ran."]
    knee = run.knee
    if knee is None:
        last = run.steps[-1]
        lines.append(
            f"**No knee up to {last.step.users} people**: no step degraded so."
            + _busiest_sentence(last, "At the last step")
            + _machine_sentence(last, run.cores)
        )
        return lines
    result = knee.result
    lines.append(
        f"**The knee: step {result.step.index}, {result.step.users} people** "
        f"({result.per_second:.1f} requests/s): {'; '.join(knee.why)}."
    )
    lines.append("")
    lines.append(
        "**What saturates first**:"
        + _busiest_sentence(result, "at the knee")
        + _growth(run.steps[0], result)
        + _machine_sentence(result, run.cores)
    )
    return lines


def _busiest_sentence(result: StepResult, when: str) -> str:
    ranked = sorted(
        ((n, p) for n, p in result.processes.items() if n not in NOT_THE_STACK),
        key=lambda item: -item[1].cpu_mean,
    )
    if not ranked:
        return " no process was sampled."
    top = ", ".join(f"{n} {p.cpu_mean:.0f} %" for n, p in ranked[:3])
    machine = result.processes.get(MACHINE)
    whole = f"; the whole machine {machine.cpu_mean:.0f} %" if machine else ""
    return (
        f" {when} the busiest process of `make run` was **{ranked[0][0]}** "
        f"(mean CPU of one core: {top}{whole})."
    )


def _machine_sentence(result: StepResult, cores: int) -> str:
    """Whether the machine ran out first: then the knee is the machine's, not a process's."""
    machine, others = result.processes.get(MACHINE), result.processes.get(OTHERS)
    if machine is None or machine.cpu_mean < MACHINE_FULL * 100 * cores:
        return ""
    beside = f", {others.cpu_mean:.0f} % of it other work" if others else ""
    return (
        f" The machine's cores were full ({machine.cpu_mean:.0f} % of {100 * cores}{beside}): "
        "the machine ran out before any one process of the stack did, so these figures are "
        "the machine's, not the service's; the busiest process is the one to give a machine "
        "of its own (or more tasks) first."
    )


def _growth(first: StepResult, knee: StepResult) -> str:
    busiest = knee.busiest()
    if busiest is None:
        return ""
    name, load = busiest
    before = first.processes.get(name)
    if before is None or before.cpu_mean <= 0:
        return ""
    return (
        f" It went from {before.cpu_mean:.0f} % at step 1 to {load.cpu_mean:.0f} % "
        f"({load.cpu_mean / before.cpu_mean:.1f}x) while the people went "
        f"{first.step.users} → {knee.step.users}."
    )


def _afterwards(after: Afterwards) -> list[str]:
    ended = _counts(after.statuses) or "none"
    dead = ", ".join(f"{w} {n}" for w, n in sorted(after.dead_letters.items())) or "none found"
    return [
        "## Afterwards",
        "",
        f"- **{'All checks passed' if after.ok else 'A CHECK FAILED'}**: every upload ended "
        "`ready` or `rejected` with a reason, none lost or stuck, every dead-letter queue "
        "empty.",
        f"- Uploads: {after.uploads}; ended: {ended}; unfinished after {after.drain_limit_s:.0f} "
        f"s: {len(after.unfinished)}{f' {after.unfinished[:5]}' if after.unfinished else ''}",
        f"- Rejected or failed without a reason: {len(after.without_reason)}",
        f"- Every upload had ended {after.drained_s:.1f} s after the load stopped",
        f"- Dead-letter queues: {dead}"
        + (" — all empty" if not any(after.dead_letters.values()) else " — NOT EMPTY"),
        f"- locust's exit code: {after.locust_code} (1 when any request failed)",
    ]


def _by_step_table(
    first: str,
    steps: Sequence[StepResult],
    rows: Sequence[str],
    cell: _Cell,
) -> list[str]:
    head = " | ".join(f"{r.step.users} people" for r in steps)
    lines = [f"| {first} | {head} |", "|---" * (len(steps) + 1) + "|"]
    lines += [f"| {row} | " + " | ".join(cell(r, row) for r in steps) + " |" for row in rows]
    return lines


def _processes_busiest_first(steps: Sequence[StepResult]) -> list[str]:
    last = {name: load.cpu_mean for result in steps for name, load in result.processes.items()}
    return sorted(last, key=lambda name: (name == MACHINE, -last[name]))


def _ms(p: Percentiles | None) -> str:
    return f"{p.p50:.0f} / {p.p95:.0f} / {p.p99:.0f}" if p else "—"


def _s(p: Percentiles | None) -> str:
    return f"{p.p50:.1f} / {p.p95:.1f} (of {p.count})" if p else "—"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if n)
