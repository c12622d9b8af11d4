"""One way for every benchmark to print and keep its figures."""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Figure:
    """One measured comparison: ours against a baseline from the same run."""

    name: str
    ours: float
    baseline: float
    unit: str
    goal: str
    baseline_name: str
    # "lower" when a smaller ours/baseline ratio is better (times), "higher" for throughput
    better: str = "lower"
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")


def load_averages(averages: tuple[float, float, float]) -> str:
    """The machine's 1/5/15-minute load averages, as the notes print them."""
    return " / ".join(f"{value:.2f}" for value in averages)


def load_note(before: tuple[float, float, float]) -> str:
    """The notes' last line: the machine's load before the run, and now."""
    return (
        f"Machine load (1/5/15-min averages, 2 cores) before: {load_averages(before)}; after: "
        f"{load_averages(os.getloadavg())}."
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def write_report(name: str, figures: Sequence[Figure], notes: Sequence[str] = ()) -> str:
    """Write `results/<name>.md` and `results/<name>.json`; return the table as text."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# {name}",
        "",
        "| figure | ours | baseline | ratio | goal |",
        "|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.ours:.3f} {f.unit} | {f.baseline:.3f} {f.unit} ({f.baseline_name}) "
            f"| {f.ratio:.2f}x | {f.goal} |"
        )
    lines += ["", *notes] if notes else []
    table = "\n".join(lines) + "\n"
    (RESULTS / f"{name}.md").write_text(table)
    payload = {
        "name": name,
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
        "figures": [asdict(f) | {"ratio": f.ratio} for f in figures],
        "notes": list(notes),
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    return table


def _cpus() -> int:
    return os.cpu_count() or 1


SUMMARY = "summary.md"


def write_summary() -> str:
    """`results/summary.md`: every figure of every benchmark's last run, one table, each row
    with its run's date and the machine's load then (what `make bench` leaves to read)."""
    lines = [
        "# Every benchmark's last run",
        "",
        "Written by `python -m bench` (`make bench`) from `results/*.json`: each row is the last",
        "run of its benchmark, with when it ran; the notes of each are in `results/<name>.md`.",
        "",
        "| bench | figure | ours | baseline | ratio | goal | measured |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in sorted(RESULTS.glob("*.json")):
        report = json.loads(path.read_text())
        measured = str(report["measured_at"])[:16].replace("T", " ")
        for f in report["figures"]:
            lines.append(
                f"| {report['name']} | {f['name']} | {f['ours']:.3f} {f['unit']} "
                f"| {f['baseline']:.3f} {f['unit']} ({f['baseline_name']}) | {f['ratio']:.2f}x "
                f"| {f['goal']} | {measured} |"
            )
    table = "\n".join(lines) + "\n"
    (RESULTS / SUMMARY).write_text(table)
    return table
