"""A worker whose AWS stops answering still stops promptly on SIGTERM (seen: workers whose
emulator had died still running more than 10 s after it, and needing SIGKILL; with a frozen
endpoint, where every call hangs, main's workers were still up a minute later).

The emulator is frozen (SIGSTOP), as when AWS cannot be reached at all. The housekeeping worker
has the most to stop: its consumer's long poll, its sweep and its DLQ sampler. It must exit by
itself: code 0, where its watchdog, which ends it at its bound (`ConsumerQueue.stop_bound_s`),
would exit 1. The test's own deadline is only there so that a hang fails instead of waiting."""

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
HANG_S = 30  # past the bound: its watchdog would have ended it by then


@pytest.mark.timeout(120)
async def test_a_worker_whose_aws_is_frozen_stops_by_itself_within_its_bound(
    own_emulator: Emulator,
) -> None:
    settings = stack_settings(own_emulator, shutdown_drain_s=0, shutdown_call_timeout_s=1)
    bound_s = topology(settings).consumer(HOUSEKEEPING).stop_bound_s(settings)
    assert bound_s < HANG_S
    async with running(settings, {HOUSEKEEPING: HOUSEKEEPING}, ingress=False, **STOPPING) as stack:
        worker = stack.processes[HOUSEKEEPING]
        emulator = own_emulator.process
        os.kill(emulator.pid, signal.SIGSTOP)
        try:
            worker.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(worker.wait, HANG_S)
        finally:
            os.kill(emulator.pid, signal.SIGCONT)
        assert code == 0, stack.logs[HOUSEKEEPING].read_text()
