"""`make run` (`videoshare run`) as a developer uses it: everything starts, the URLs are
printed, Ctrl-C stops every process; a taken port is one line, not a traceback."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support import child_env
from videoshare.local.emulator_state import STATE_FILE
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

pytestmark = pytest.mark.e2e

START_TIMEOUT_S = 90


def runner_env(emulator_port: int, api_port: int, state_dir: Path) -> dict[str, str]:
    """`make run`'s environment on these ports, keeping its state in `state_dir` (never the
    developer's `.videoshare/`)."""
    env = child_env(Settings(stack="videoshare"))
    env.pop("AWS_ENDPOINT_URL")
    env.update(
        VIDEOSHARE_EMULATOR_PORT=str(emulator_port),
        VIDEOSHARE_API_PORT=str(api_port),
        VIDEOSHARE_STATE_DIR=str(state_dir),
    )
    return env


def test_run_starts_everything_and_ctrl_c_stops_it_all(tmp_path: Path) -> None:
    emulator_port, api_port = free_port(), free_port()
    output = tmp_path / "run.log"
    with output.open("wb") as out:
        runner = subprocess.Popen(
            [sys.executable, "-m", "videoshare.entrypoints.cli.main", "run"],
            cwd=tmp_path,
            env=runner_env(emulator_port, api_port, tmp_path / "state"),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Ctrl-C stops everything" not in output.read_text(errors="replace"):
            assert runner.poll() is None, output.read_text(errors="replace")
            assert time.monotonic() < deadline, output.read_text(errors="replace")
            time.sleep(0.2)
        assert f"http://127.0.0.1:{api_port}/v1" in output.read_text(errors="replace")
        # The banner waits for the ingress only; a worker may say its first line a bit later.
        names = ("ingress", "upload-finalizer", "transcoder", "metadata-indexer", "notifier")
        while silent := [n for n in names if f"{n} | " not in output.read_text(errors="replace")]:
            assert time.monotonic() < deadline, f"no output from {silent}"
            time.sleep(0.2)
        children = psutil.Process(runner.pid).children(recursive=True)
        assert len(children) >= 6  # the emulator, the ingress and four workers

        runner.send_signal(signal.SIGINT)
        assert runner.wait(timeout=60) == 0, output.read_text(errors="replace")
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"left running: {alive}"
        said = output.read_text(errors="replace")
        assert "Traceback" not in said
        # every line is one process's, prefixed with its name: no raw (JSON) log line
        raw = [line for line in said.splitlines() if line.strip() and " | " not in line]
        assert not raw, raw
        # the emulator saved its state for the next run, and said so
        assert "emulator | saved " in said, said
        assert (tmp_path / "state" / STATE_FILE).exists()
    finally:
        _kill_tree(runner)


def test_a_taken_port_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    emulator_port, api_port = free_port(), free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", api_port))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "videoshare.entrypoints.cli.main", "run"],
            cwd=tmp_path,
            env=runner_env(emulator_port, api_port, tmp_path / "state"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {api_port}" in lines[0]
    assert "already taken" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr


def _kill_tree(runner: subprocess.Popen[bytes]) -> None:
    """After a failed test: the runner and every child it started, so nothing outlives the test."""
    if runner.poll() is not None:
        return
    tree = [psutil.Process(runner.pid), *psutil.Process(runner.pid).children(recursive=True)]
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(tree, timeout=10)
    runner.wait()
