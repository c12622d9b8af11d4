"""Benchmarks: `make bench` runs every `bench/bench_*.py` module in turn.

Each benchmark compares the project against a named baseline measured in the same run, and
writes a table (`bench/results/<name>.md`) and the raw figures (`bench/results/<name>.json`)
through `bench.report.write_report`. Ratios, not absolute times, are what each goal speaks of.
"""
