"""A worker process imports what it runs and little else (issue 14, item 6: the transcoder's
Python side beside ffmpeg). Each case starts `videoshare worker NAME` in a fresh interpreter,
through the real CLI, up to the point where the worker would open its clients, and lists the
modules it has imported by then."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

from videoshare.entrypoints.workers import DEFINITIONS

# The CLI as `videoshare worker NAME` runs it, with the worker's `run` replaced by a print of
# every module imported so far.
_STARTUP = """
import json, sys
import videoshare.entrypoints.workers.process as process
process.run = lambda name, define, settings: print(json.dumps(sorted(sys.modules))) or 0
from videoshare.entrypoints.cli.main import main
main(["worker", sys.argv[1]])
"""
# Never wanted in a worker: PyJWT and cryptography verify and sign for the ingress alone
# (~9 MiB resident); the client's commands bring aiohttp sessions and rich's progress bars.
NEVER_IN_A_WORKER = ("jwt", "cryptography", "videoshare.entrypoints.cli.client.commands")


@functools.cache  # one interpreter per worker for the whole module
def modules_at_start(worker: str) -> frozenset[str]:
    done = subprocess.run(
        [sys.executable, "-c", _STARTUP, worker],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return frozenset(json.loads(done.stdout))


@pytest.mark.parametrize("worker", ["transcoder", "notifier"])
def test_a_worker_imports_its_own_definition_and_not_the_ingress_libraries(worker: str) -> None:
    modules = modules_at_start(worker)
    package = "videoshare.entrypoints.workers"
    assert f"{package}.{DEFINITIONS[worker]}" in modules
    others = {f"{package}.{module}" for name, module in DEFINITIONS.items() if name != worker}
    assert not modules & others, "another worker's definition was imported"
    unwanted = modules & set(NEVER_IN_A_WORKER)
    assert not unwanted


def test_only_the_transcoder_loads_pyav() -> None:
    # PyAV (~17 MiB resident, its FFmpeg libraries) probes sources: the transcoder's alone
    assert "av" in modules_at_start("transcoder")
    assert "av" not in modules_at_start("notifier")
