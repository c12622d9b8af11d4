"""The embedded AWS emulator: moto in server mode, as a child process on 127.0.0.1.

The child runs `videoshare.local.moto_server` (moto's own server with two O(1) replacements in
its SQS model, see there), so `make run`, `videoshare emulator` and the tests share its speed.
Given a state folder (`make run`, `videoshare emulator --state-dir DIR`), it loads what it
saved there before it answers, and saves again when `stop()` ends it
(`local/emulator_state.py`); what it says about that is read back from its log
(`Emulator.said`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from videoshare.children import ChildFailed, die_with_parent
from videoshare.settings import LOCAL_EMULATOR_PORT
from videoshare.tcp_ports import ensure_port_free

DEFAULT_PORT = LOCAL_EMULATOR_PORT
# The child's module: moto's server, patched (its command line is how tests find the child).
EMULATOR_MODULE = "videoshare.local.moto_server"
# Local credentials: the emulator accepts any, and these never reach AWS.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# How the emulator's lines about its state start (`moto_server.py` says them, `said()` reads
# them back from its log, the runner prints them).
SAYS = "emulator state: "
STOP_TIMEOUT_S = 10
# `videoshare emulator --state-dir DIR` keeps its log beside its state.
LOG_FILE = "emulator.log"
# Saving pickles every object of the bucket: about a second per few hundred MiB (ARCHITECTURE.md).
SAVE_TIMEOUT_S = 300


class EmulatorFailed(ChildFailed):
    """The emulator exited at start or did not answer in time."""


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    endpoint: str
    state_dir: Path | None = None
    log_path: Path | None = None
    log_offset: int = 0  # where this process's lines start in a shared log

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM, then SIGKILL after `timeout` (longer with a state folder: it saves first)."""
        if timeout is None:
            timeout = SAVE_TIMEOUT_S if self.state_dir else STOP_TIMEOUT_S
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def said(self) -> list[str]:
        """What the emulator has said so far about its state (loaded, saved, set aside)."""
        if self.log_path is None or not self.log_path.exists():
            return []
        with self.log_path.open("rb") as log:
            log.seek(self.log_offset)
            lines = log.read().decode(errors="replace").splitlines()
        return [line.removeprefix(SAYS) for line in lines if line.startswith(SAYS)]


def start_emulator(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    log_path: Path | None = None,
    state_dir: Path | None = None,
    ready_timeout_s: float = 30,
) -> Emulator:
    """Start the (patched) moto server and return once it answers HTTP; the caller stops it.
    With `state_dir` it answers once it has loaded the state saved there.
    It dies with the calling thread: call it from one that lives as long as it should."""
    ensure_port_free(host, port, "AWS emulator")
    argv = [sys.executable, "-m", EMULATOR_MODULE, "-H", host, "-p", str(port)]
    if state_dir is not None:
        argv += ["--state-dir", str(state_dir)]
    env = {**os.environ, **LOCAL_CREDENTIALS}
    offset = 0
    for folder in (state_dir, log_path.parent if log_path else None):
        if folder is not None:
            _make_folder(folder)
    if log_path:
        offset = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") if log_path else open(os.devnull, "wb") as out:  # noqa: PTH123
        process = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # Ctrl-C reaches whoever started it, who stops it in order
            preexec_fn=die_with_parent(),  # and it dies with them when they are killed
        )
    endpoint = f"http://{host}:{port}"
    emulator = Emulator(process, endpoint, state_dir, log_path, offset)
    deadline = time.monotonic() + ready_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorFailed(f"the AWS emulator exited at start (code {process.returncode})")
        if answers(endpoint):
            return emulator
        time.sleep(0.05)
    emulator.stop()
    raise EmulatorFailed(f"the AWS emulator did not answer on {endpoint} in {ready_timeout_s} s")


def _make_folder(folder: Path) -> None:
    """`folder` made if missing; `EmulatorFailed` (one line) when it cannot be: a clumsy
    `--state-dir` or `VIDEOSHARE_STATE_DIR` names a file, or a place nobody may write."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EmulatorFailed(
            f"cannot keep the AWS emulator's files in {folder}: {error.strerror or error}"
        ) from error


def answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def serve_emulator(
    port: int = DEFAULT_PORT, state_dir: Path | None = None, host: str = "127.0.0.1"
) -> int:
    """`videoshare emulator [--state-dir DIR]`: run the emulator in the foreground until
    Ctrl-C (or SIGTERM). With `state_dir` it loads what was saved there and saves again when
    stopped, as `make run`'s does; its log (and what it says of its state) goes to
    `state_dir/emulator.log`."""
    log_path = state_dir / LOG_FILE if state_dir is not None else None
    signal.signal(signal.SIGTERM, _interrupted)  # `kill`, an IDE's stop: as Ctrl-C, it saves
    emulator = start_emulator(host, port, log_path=log_path, state_dir=state_dir)
    _say_state(emulator)
    print(f"AWS emulator on {emulator.endpoint} (Ctrl-C stops it)", flush=True)
    try:
        return emulator.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        said = len(emulator.said())
        if state_dir is not None:
            print(f"stopping the AWS emulator; it saves its state in {state_dir}/", flush=True)
        emulator.stop()
        _say_state(emulator, said)


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _say_state(emulator: Emulator, skip: int = 0) -> None:
    for line in emulator.said()[skip:]:
        print(f"{SAYS}{line}", flush=True)
