"""The load test's logic on made-up runs (issue 16, item 5): the step plan, how records fall
into steps, the knee, the CPU accounting of processes that come and go, and the report's
verdicts. No load is run: `make load` does that (bench/load/)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from bench.load import report, steps, timeline
from bench.load.sampler import Seen, cpu_between, role
from bench.load.steps import (
    LOCUST,
    MACHINE,
    OTHERS,
    Percentiles,
    Plan,
    ProcessLoad,
    Request,
    Step,
    StepResult,
    Upload,
    Usage,
)

T0 = 1_800_000_000.0


def test_the_default_plan_is_ten_minutes_in_six_steps_of_100_s() -> None:
    plan = Plan.from_env({})

    assert plan.is_the_full_run
    assert [(s.users, s.until_s) for s in plan.steps()] == [
        (2, 100.0),
        (4, 200.0),
        (8, 300.0),
        (12, 400.0),
        (16, 500.0),
        (24, 600.0),
    ]
    assert [plan.step_at(t) for t in (0, 99.9, 100, 599.9, 600)] == [0, 0, 1, 5, None]


def test_a_smoke_run_overrides_minutes_and_people() -> None:
    plan = Plan.from_env({"LOAD_MINUTES": "1.5", "LOAD_STEPS": "2, 4,8", "LOAD_SPAWN_RATE": ""})

    assert not plan.is_the_full_run
    assert [(s.users, s.until_s) for s in plan.steps()] == [(2, 30.0), (4, 60.0), (8, 90.0)]
    assert plan.spawn_rate == 2.0


@pytest.mark.parametrize(
    "env", [{"LOAD_STEPS": "2,0"}, {"LOAD_MINUTES": "0"}, {"LOAD_STEPS": "two"}]
)
def test_a_plan_without_people_or_time_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"people|LOAD_STEPS"):
        Plan.from_env(env)


def test_make_load_says_a_clumsy_plan_in_one_line_before_starting_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench.load import run

    monkeypatch.setenv("LOAD_STEPS", "two,four")
    with pytest.raises(SystemExit) as exited:
        run.main()
    said = str(exited.value.code)
    assert said.startswith("make load: LOAD_STEPS takes people per step"), said
    assert "\n" not in said


def test_percentiles_are_nearest_rank() -> None:
    p = Percentiles.of(float(v) for v in range(100, 0, -1))

    assert p == Percentiles(100, 50.0, 95.0, 99.0)
    assert Percentiles.of([7.0]) == Percentiles(1, 7.0, 7.0, 7.0)
    assert Percentiles.of([]) is None


def test_records_fall_into_the_step_they_happened_in() -> None:
    ran = steps.steps_from_marks([(T0 + 100, 4), (T0, 2)], ended=T0 + 200)
    requests = [
        Request(T0 - 1, "GET /a", 1.0, True, True),  # before the first mark: in no step
        Request(T0 + 10, "GET /a", 10.0, True, True),
        Request(T0 + 20, "GET /a", 30.0, False, True),
        Request(T0 + 30, "GET segment", 900.0, True, False),
        Request(T0 + 150, "GET /a", 40.0, True, True),
        Request(T0 + 200, "GET /a", 99.0, True, True),  # after the load stopped
    ]
    uploads = [
        Upload(T0 + 50, "ready", T0 + 250),  # ended long after its step: still its step's
        Upload(T0 + 60, "rejected", T0 + 61),
        Upload(T0 + 120, "ready", T0 + 125),
    ]
    usage = [
        Usage(T0 + 10, "emulator", 40.0, 100.0),
        Usage(T0 + 10, "ffmpeg", 150.0, 60.0),
        Usage(T0 + 12, "emulator", 60.0, 120.0),  # no ffmpeg in this look: it counts as 0
    ]

    first, second = steps.results(ran, requests, uploads, usage)

    assert (first.step.users, first.step.seconds, second.step.users) == (2, 100.0, 4)
    assert (first.requests, first.errors, first.per_second) == (3, 1, 0.03)
    assert first.api == Percentiles(2, 10.0, 30.0, 30.0)
    assert set(first.routes) == {"GET /a", "GET segment"}
    assert (first.uploads, first.ready, first.not_ready) == (
        2,
        Percentiles(1, 200.0, 200.0, 200.0),
        {"rejected": 1},
    )
    assert first.processes["emulator"] == ProcessLoad(50.0, 60.0, 120.0)
    assert first.processes["ffmpeg"] == ProcessLoad(75.0, 150.0, 60.0)
    assert (second.requests, second.ready) == (1, Percentiles(1, 5.0, 5.0, 5.0))
    assert second.processes == {}


def _result(
    index: int, api_p95: float | None, ready_p95: float | None, errors: int = 0
) -> StepResult:
    return StepResult(
        step=Step(index, 2 * index, T0 + 100 * index, T0 + 100 * (index + 1)),
        requests=100,
        errors=errors,
        routes={},
        api=None if api_p95 is None else Percentiles(100, api_p95 / 2, api_p95, api_p95),
        uploads=5,
        ready=None if ready_p95 is None else Percentiles(5, ready_p95 / 2, ready_p95, ready_p95),
        not_ready={},
        processes={
            "emulator": ProcessLoad(20.0 * index, 90.0, 200.0),
            "ingress": ProcessLoad(10.0 * index, 20.0, 100.0),
            "transcoder": ProcessLoad(10.0 * index + 5, 50.0, 150.0),
            LOCUST: ProcessLoad(500.0, 500.0, 80.0),  # never the stack's busiest
            MACHINE: ProcessLoad(190.0, 200.0, 3000.0),
            OTHERS: ProcessLoad(120.0, 150.0, 0.0),  # nor is other people's work
        },
    )


def test_the_knee_is_the_first_step_past_the_factor_on_the_api() -> None:
    runs = [_result(1, 100, 10), _result(2, 200, 19), _result(3, 201, 12), _result(4, 900, 90)]

    knee = steps.find_knee(runs, factor=2.0)

    assert knee is not None
    assert knee.result.step.index == 3
    assert knee.why == ["API p95 201 ms = 2.0x the first step's 100 ms"]


def test_the_knee_by_time_to_ready_or_by_errors() -> None:
    by_ready = steps.find_knee([_result(1, 100, 10), _result(2, 100, 25)], factor=2.0)
    by_errors = steps.find_knee([_result(1, 100, 10), _result(2, 100, 10, errors=2)])

    assert by_ready is not None
    assert by_ready.why == ["upload → ready p95 25.0 s = 2.5x the first step's 10.0 s"]
    assert by_errors is not None
    assert by_errors.why == ["2.0% of requests failed"]


def test_no_knee_when_nothing_degrades_and_a_missing_baseline_is_skipped() -> None:
    assert steps.find_knee([_result(1, 100, 10), _result(2, 150, 15)]) is None
    # the first step had no upload ready: the next one that did is the baseline
    later = steps.find_knee([_result(1, 100, None), _result(2, 100, 10), _result(3, 100, 30)])
    assert later is not None
    assert later.result.step.index == 3


def test_the_ingress_cpu_per_api_request() -> None:
    ran = steps.steps_from_marks([(T0, 2)], ended=T0 + 10)
    requests = [Request(T0 + i, "GET /a", 5.0, True, api=i % 2 == 0) for i in range(10)]
    usage = [Usage(T0 + i, "ingress", 25.0, 100.0) for i in range(10)]

    (result,) = steps.results(ran, requests, [], usage)

    # 5 API requests in 10 s, a quarter of a core: 250 ms of CPU a second for 0.5 requests
    assert result.api_per_second == 0.5
    assert result.cpu_ms_per_api_request() == 500.0
    assert result.cpu_ms_per_api_request("notifier") is None


def test_the_busiest_process_is_one_of_the_stack() -> None:
    busiest = _result(3, 100, 10).busiest()

    assert busiest is not None
    assert busiest[0] == "emulator"


def test_cpu_of_a_process_that_ended_between_looks_goes_to_its_label() -> None:
    before = {
        10: Seen("transcoder", 1, own_s=5.0, reaped_s=0.0, rss_mib=150, children="ffmpeg"),
        11: Seen("ffmpeg", 10, own_s=3.0, reaped_s=0.0, rss_mib=60),
        20: Seen("emulator", 1, own_s=50.0, reaped_s=0.0, rss_mib=200),
    }
    after = {
        # ffmpeg 11 ended having used 4 s (3 seen before), and a whole 1 s one came and went
        10: Seen("transcoder", 1, own_s=5.5, reaped_s=5.0, rss_mib=150, children="ffmpeg"),
        12: Seen("ffmpeg", 10, own_s=0.5, reaped_s=0.0, rss_mib=60),  # new since the look
        20: Seen("emulator", 1, own_s=51.0, reaped_s=0.0, rss_mib=200),
    }

    used = cpu_between(before, after, seconds=2.0)

    assert used == pytest.approx({"transcoder": 25.0, "ffmpeg": 125.0, "emulator": 50.0})


def test_reaped_cpu_of_unnamed_children_is_named_after_the_parent() -> None:
    before = {10: Seen("ingress", 1, own_s=1.0, reaped_s=0.0, rss_mib=90)}
    after = {10: Seen("ingress", 1, own_s=1.0, reaped_s=0.5, rss_mib=90)}

    assert cpu_between(before, after, seconds=1.0) == {
        "ingress": 0.0,
        "ingress's children": 50.0,
    }


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/v/bin/python", "-m", "videoshare.entrypoints.cli.main", "run"], "runner (make run)"),
        (["/v/bin/videoshare", "worker", "transcoder"], "transcoder"),
        (["/v/bin/videoshare", "api"], "ingress"),
        (["/v/bin/python", "-m", "videoshare.local.moto_server", "-p", "1"], "emulator"),
        (["/usr/lib/ffmpeg", "-i", "x"], "ffmpeg"),
        (["/v/imageio_ffmpeg/binaries/ffmpeg-linux-x86_64-v7.0.2", "-i", "x"], "ffmpeg"),
    ],
)
def test_roles_from_command_lines(argv: list[str], expected: str) -> None:
    assert role(argv) == expected


def test_the_timeline_reads_back_what_locust_wrote(tmp_path: Path) -> None:
    path = tmp_path / "timeline.jsonl"
    writer = timeline.Writer(str(path))
    writer.write("step", users=2)
    writer.write("request", route="GET /v1/videos", ms=12.5, ok=True, api=True)
    writer.write("upload", id="v1", token="tok")
    timeline.Writer(None).write("step", users=99)  # no file: nothing written

    read = timeline.read(path.read_text().splitlines())

    assert [users for _, users in read.marks] == [2]
    assert [(r.route, r.ms, r.ok, r.api) for r in read.requests] == [
        ("GET /v1/videos", 12.5, True, True)
    ]
    assert [(u.id, u.token) for u in read.uploads] == [("v1", "tok")]


def _afterwards(**changes: object) -> report.Afterwards:
    values: dict[str, object] = {
        "statuses": {"ready": 40, "rejected": 2},
        "without_reason": [],
        "unfinished": [],
        "drain_limit_s": 900,
        "drained_s": 12.0,
        "dead_letters": {"transcoder": 0, "notifier": 0},
        "locust_code": 0,
    } | changes
    return report.Afterwards(**values)  # type: ignore[arg-type]


def _run(plan: Plan, results: list[StepResult], after: report.Afterwards) -> report.Run:
    return report.Run(
        started=datetime(2026, 12, 8, 1, 0, tzinfo=UTC),
        plan=plan,
        against="its own `make run`",
        cores=2,
        load_before=0.3,
        load_after=1.9,
        steps=results,
        knee=steps.find_knee(results, plan.knee_factor),
        afterwards=after,
    )


def test_the_report_names_the_knee_and_what_saturates_first() -> None:
    results = [_result(1, 100, 10), _result(2, 120, 12), _result(3, 500, 40)]

    text = report.render(_run(Plan(users=(2, 4, 6), minutes=5), results, _afterwards()))

    assert "A short run (5 min, people 2, 4, 6)" in text
    assert "**The knee: step 3, 6 people**" in text
    assert "API p95 500 ms = 5.0x the first step's 100 ms" in text
    assert "upload → ready p95 40.0 s = 4.0x" in text
    assert "the busiest process of `make run` was **emulator**" in text
    assert "It went from 20 % at step 1 to 60 % (3.0x) while the people went 2 → 6." in text
    assert "The machine's cores were full (190 % of 200, 120 % of it other work)" in text
    assert "| other work on the machine | 120 | 120 | 120 |" in text
    assert (
        "| 3 | 6 | 100 | 1.0 (1.0) | 0 | 250 / 500 / 500 | 300.0 | 5 | 20.0 / 40.0 (of 5) |" in text
    )
    assert "**All checks passed**" in text
    assert "transcoder 0 — all empty" in text


def test_the_full_run_has_no_short_run_warning_and_says_when_there_is_no_knee() -> None:
    results = [_result(i, 100, 10) for i in range(1, 7)]

    text = report.render(_run(Plan(), results, _afterwards()))

    assert "short run" not in text
    assert "**No knee up to 12 people**" in text


def test_a_machine_with_cores_to_spare_is_not_called_full() -> None:
    quiet = _result(2, 500, 10)
    quiet.processes[MACHINE] = ProcessLoad(120.0, 150.0, 3000.0)

    text = report.render(_run(Plan(), [_result(1, 100, 10), quiet], _afterwards()))

    assert "**The knee: step 2, 4 people**" in text
    assert "cores were full" not in text


@pytest.mark.parametrize(
    "change",
    [
        {"statuses": {"ready": 40, "failed": 1}},
        {"without_reason": ["v9"]},
        {"unfinished": ["v3"]},
        {"dead_letters": {"transcoder": 1}},
    ],
)
def test_a_failed_check_is_said_and_fails_the_run(change: dict[str, object]) -> None:
    after = _afterwards(**change)
    text = report.render(_run(Plan(), [_result(1, 100, 10)], after))

    assert not after.ok
    assert "**A CHECK FAILED**" in text
