"""A worker whose AWS is gone still stops promptly on SIGTERM (seen: workers whose emulator had
died still running more than 10 s after it, and needing SIGKILL).

Gone two ways: the emulator killed (every call is refused, and botocore retries each), and
frozen (SIGSTOP: every call hangs, as when AWS cannot be reached at all). The housekeeping
worker has the most to stop: its consumer's long poll, its sweep and its DLQ sampler. It must
exit by itself (code 0, not its watchdog's 1) within its bound (`ConsumerQueue.stop_bound_s`)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from tests.resilience.conftest import running, stack_settings
from videoshare.infra.topology import HOUSEKEEPING, topology
from videoshare.local.emulator import Emulator

pytestmark = pytest.mark.e2e

# As `make run` stops: hand back at once; each call while stopping bounded to 1 s.
STOPPING = {"VIDEOSHARE_SHUTDOWN_DRAIN_S": "0", "VIDEOSHARE_SHUTDOWN_CALL_TIMEOUT_S": "1"}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("gone", ["killed", "frozen"])
async def test_a_worker_whose_aws_is_gone_stops_within_its_bound(
    own_emulator: Emulator, gone: str
) -> None:
    settings = stack_settings(own_emulator, shutdown_drain_s=0, shutdown_call_timeout_s=1)
    bound_s = topology(settings).consumer(HOUSEKEEPING).stop_bound_s(settings)
    async with running(settings, {HOUSEKEEPING: HOUSEKEEPING}, ingress=False, **STOPPING) as stack:
        worker = stack.processes[HOUSEKEEPING]
        emulator = own_emulator.process
        if gone == "killed":
            emulator.kill()
            emulator.wait()
        else:
            os.kill(emulator.pid, signal.SIGSTOP)
        try:
            worker.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(worker.wait, bound_s)
        finally:
            if emulator.poll() is None:
                os.kill(emulator.pid, signal.SIGCONT)
        assert code == 0, stack.logs[HOUSEKEEPING].read_text()
