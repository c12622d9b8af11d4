"""`make run` stops cleanly when only the `make` process is signalled, as an IDE or a script
does it (not a terminal, which signals the whole process group): every process it started is
gone within a deadline, and the runner says it stopped everything, without a traceback."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import psutil
import pytest

from tests.e2e.test_local_runner import START_TIMEOUT_S, runner_env
from tests.e2e.test_runner_supervision import wait_for
from tests.support import unique_stack
from videoshare.tcp_ports import free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make on the PATH"),
]

REPO = Path(__file__).resolve().parents[2]
STOP_DEADLINE_S = 60


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_make_run_stops_everything_when_only_make_is_signalled(
    sig: signal.Signals, tmp_path: Path
) -> None:
    output = tmp_path / "run.log"
    env = runner_env(free_port(), free_port(), tmp_path / "state")
    env["VIDEOSHARE_STACK"] = unique_stack("mk")
    with output.open("wb") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "-s", "-C", str(REPO), "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # as from a terminal: a suite started in the background of a shell inherits SIGINT
            # ignored, and make would then ignore the signal this test sends it
            preexec_fn=_default_sigint,
        )
    try:
        wait_for(output, "Ctrl-C stops everything", make, START_TIMEOUT_S)
        started = psutil.Process(make.pid).children(recursive=True)
        assert len(started) >= 7, started  # the runner, the emulator, the ingress, the workers

        make.send_signal(sig)  # to make alone: its children get nothing from us

        _, alive = psutil.wait_procs(started, timeout=STOP_DEADLINE_S)
        assert not alive, f"left running: {alive}\n{output.read_text(errors='replace')}"
        # make dies of the signal it got, once its command has exited
        assert make.wait(timeout=STOP_DEADLINE_S) == -sig
        text = output.read_text(errors="replace")
        assert "stopped every process" in text, text
        assert "stopped the AWS emulator; bye" in text, text
        # the emulator saved its state for the next run, and said so
        assert "emulator | saved " in text, text
        assert (tmp_path / "state" / "emulator-state.pickle").exists()
        # the runner exited 0: make says nothing of an error (`make: *** [...] Error 1`)
        assert "make: ***" not in text, text
        assert "Traceback" not in text, text
    finally:
        if make.poll() is None:
            for process in [psutil.Process(make.pid), *psutil.Process(make.pid).children(True)]:
                process.kill()
            make.wait()
