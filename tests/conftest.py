"""Fixtures shared by every tier: the real emulator process, settings, clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import unique_stack
from videoshare.aws import AwsClients, open_clients
from videoshare.infra.provision import provision
from videoshare.infra.resources import Resources
from videoshare.local.emulator import Emulator, start_emulator
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


# `make test` runs the suite on two xdist workers (`--dist loadgroup`). What shares a fixture
# that starts processes stays on one worker: a whole tier for the tiers that share a stack per
# package (browser, client, and e2e's pipeline tests), a module elsewhere, so that the tests
# that start processes of their own (the resilience tier, `make run`'s) spread over both
# workers. The longest test, the burst, goes first so it does not end the run alone.
SHARED_STACK_TIERS = ("browser", "e2e", "client")
OWN_PROCESSES = frozenset(
    {"e2e/test_local_runner.py", "e2e/test_runner_supervision.py", "e2e/test_make_run_signals.py"}
)
FIRST = "resilience/test_burst.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier, _, rest = item.nodeid.partition("/")[2].partition("/")
        module = f"{tier}/{rest.partition('::')[0]}"
        shared = tier in SHARED_STACK_TIERS and module not in OWN_PROCESSES
        item.add_marker(pytest.mark.xdist_group(tier if shared else module))
    items.sort(key=lambda item: FIRST not in item.nodeid)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One moto server process for the whole run, on a free port (so `make run` can be up)."""
    ARTIFACTS.mkdir(exist_ok=True)
    emu = start_emulator(port=free_port(), log_path=ARTIFACTS / "emulator.log")
    yield emu
    emu.stop()


@pytest.fixture
def settings(emulator: Emulator) -> Settings:
    """Settings for a fresh stack name: resources of one test never meet another's."""
    return Settings(
        stack=unique_stack(),
        aws_endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        wait_time_s=1,
    )


@pytest.fixture
async def aws(settings: Settings) -> AsyncIterator[AwsClients]:
    async with open_clients(settings) as clients:
        yield clients


@pytest.fixture
async def resources(aws: AwsClients, settings: Settings) -> Resources:
    return await provision(aws, settings)
