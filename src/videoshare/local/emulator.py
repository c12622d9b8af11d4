"""The embedded AWS emulator: moto in server mode, as a child process on 127.0.0.1.

The child runs `videoshare.local.moto_server` (moto's own server with two O(1) replacements in
its SQS model, see there), so `make run`, `videoshare emulator` and the tests share its speed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from videoshare.children import ChildFailed, die_with_parent
from videoshare.settings import LOCAL_EMULATOR_PORT
from videoshare.tcp_ports import ensure_port_free

DEFAULT_PORT = LOCAL_EMULATOR_PORT
# The child's module: moto's server, patched (its command line is how tests find the child).
EMULATOR_MODULE = "videoshare.local.moto_server"
# Local credentials: the emulator accepts any, and these never reach AWS.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class EmulatorFailed(ChildFailed):
    """The emulator exited at start or did not answer in time."""


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    endpoint: str

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_emulator(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    log_path: Path | None = None,
    ready_timeout_s: float = 30,
) -> Emulator:
    """Start the (patched) moto server and return once it answers HTTP; the caller stops it.
    It dies with the calling thread: call it from one that lives as long as it should."""
    ensure_port_free(host, port, "AWS emulator")
    argv = [sys.executable, "-m", EMULATOR_MODULE, "-H", host, "-p", str(port)]
    env = {**os.environ, **LOCAL_CREDENTIALS}
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
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
    emulator = Emulator(process, endpoint)
    deadline = time.monotonic() + ready_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorFailed(f"the AWS emulator exited at start (code {process.returncode})")
        if answers(endpoint):
            return emulator
        time.sleep(0.05)
    emulator.stop()
    raise EmulatorFailed(f"the AWS emulator did not answer on {endpoint} in {ready_timeout_s} s")


def answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def serve_emulator(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> int:
    """`videoshare emulator`: run the emulator in the foreground until Ctrl-C."""
    emulator = start_emulator(host, port)
    print(f"AWS emulator on {emulator.endpoint} (Ctrl-C stops it)", flush=True)
    try:
        return emulator.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        emulator.stop()
