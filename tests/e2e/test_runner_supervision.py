"""`make run` supervises: a worker that dies is restarted with backoff, said in the shared
output; the emulator dying stops everything, in one line, with a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.e2e.test_local_runner import START_TIMEOUT_S, runner_env
from tests.support import stop_runner
from videoshare.local.emulator import EMULATOR_MODULE
from videoshare.tcp_ports import free_port

pytestmark = pytest.mark.e2e


def wait_for(output: Path, text: str, runner: subprocess.Popen[bytes], timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while text not in (seen := output.read_text(errors="replace")):
        assert time.monotonic() < deadline, f"no {text!r} in:\n{seen}"
        assert runner.poll() is None or text in output.read_text(errors="replace"), seen
        time.sleep(0.1)
    return seen


def child_running(runner: subprocess.Popen[bytes], *argv: str) -> psutil.Process:
    for child in psutil.Process(runner.pid).children(recursive=True):
        try:
            cmdline = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if all(part in cmdline for part in argv):
            return child
    raise AssertionError(f"no child runs {argv}")


@pytest.mark.timeout(300)
def test_a_dead_worker_is_restarted_and_a_dead_emulator_stops_everything(
    tmp_path: Path,
) -> None:
    output = tmp_path / "run.log"
    with output.open("wb") as out:
        runner = subprocess.Popen(
            [sys.executable, "-m", "videoshare.entrypoints.cli.main", "run"],
            cwd=tmp_path,
            env=runner_env(free_port(), free_port(), tmp_path / "state"),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        text = wait_for(output, "Ctrl-C stops everything", runner, START_TIMEOUT_S)
        assert "notifier health" in text  # each worker's health port is printed

        victim = child_running(runner, "worker", "notifier")
        victim.kill()
        wait_for(output, "notifier | exited with code -9; restarting in 1 s", runner, 30)
        wait_for(output, "notifier | restarted (pid", runner, 30)
        replacement = child_running(runner, "worker", "notifier")
        assert replacement.pid != victim.pid

        children = psutil.Process(runner.pid).children(recursive=True)
        child_running(runner, EMULATOR_MODULE).kill()
        assert runner.wait(timeout=90) == 1, output.read_text(errors="replace")
        text = output.read_text(errors="replace")
        assert text.count("the AWS emulator died: what changed since it started is lost") == 1
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"left running: {alive}"
    finally:
        stop_runner(runner)
