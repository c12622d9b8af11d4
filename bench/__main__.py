"""`python -m bench [NAME…]`: run the named benchmarks (default: all) and print their tables;
then `results/summary.md`, every benchmark's last figures in one table (`report.write_summary`)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from bench.report import RESULTS, SUMMARY, write_summary


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(p.stem.removeprefix("bench_") for p in here.glob("bench_*.py"))
    if not names:
        print("no benchmarks found under bench/")
        return 1
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(module.main())
    write_summary()
    print(f"Every benchmark's last figures: {RESULTS / SUMMARY}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
