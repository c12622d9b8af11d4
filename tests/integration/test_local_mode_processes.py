"""A deployment that forgot `VIDEOSHARE_MODE=aws` cannot start: every process, as a real
process, refuses an endpoint of AWS itself in local mode with one line and exit code 2, before
it talks to anything (the unit tests check the setting's rule; this, the processes)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROCESSES = (["api"], ["worker", "transcoder"], ["worker", "housekeeping"])


@pytest.mark.parametrize("argv", PROCESSES, ids=" ".join)
def test_a_process_in_local_mode_refuses_an_aws_endpoint(argv: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEOSHARE_", "AWS_"))}
    env.update(
        AWS_ENDPOINT_URL="https://sqs.us-east-1.amazonaws.com",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="not-a-secret",
    )
    done = subprocess.run(
        [sys.executable, "-m", "videoshare.entrypoints.cli.main", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1, done.stderr
    assert "local mode only talks to an emulator; set VIDEOSHARE_MODE=aws" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
