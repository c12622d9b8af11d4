"""No secret reaches a log line: an unmapped error inside login (as the ingress logs it) and
inside the webhook sender (as the consumer runtime logs it), with the project's own logging
set-up in both its formats, leave neither the password nor the webhook secret in the output,
while the traceback itself is there."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.log_probe import PASSWORD


def _probe(scenario: str, fmt: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIDEOSHARE_LOG_FORMAT": fmt, "FORCE_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "tests.log_probe", scenario],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_an_unmapped_error_inside_login_logs_no_password(fmt: str) -> None:
    logged = _probe("login", fmt).stderr
    assert "the user pool broke" in logged  # the traceback is there…
    assert PASSWORD not in logged  # …without the frames' locals


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_an_unmapped_error_inside_the_webhook_sender_logs_no_secret(fmt: str) -> None:
    done = _probe("webhook", fmt)
    secret = done.stdout.strip()
    assert secret
    assert "the poster broke" in done.stderr
    assert secret not in done.stderr
