"""Fixtures shared by every tier: the real emulator process, settings, clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import unique_stack
from videoshare.aws import AwsClients, open_clients
from videoshare.infra.provision import provision
from videoshare.infra.resources import Resources
from videoshare.local.emulator import Emulator, start_emulator
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


# `make test` runs the suite on two xdist workers, which take work a group at a time
# (`pytest_xdist_make_scheduler` below). What shares a fixture that starts processes stays in one
# group, so on one worker: a whole tier for the tiers that share a stack per package (browser,
# client, and e2e's pipeline tests), a module elsewhere, so that the tests that start processes
# of their own (the resilience tier, `make run`'s) spread over both workers. The longest groups
# are handed out first, so that none of them ends the run alone.
SHARED_STACK_TIERS = ("browser", "e2e", "client")
OWN_PROCESSES = frozenset(
    {"e2e/test_local_runner.py", "e2e/test_runner_supervision.py", "e2e/test_make_run_signals.py"}
)
LONGEST_FIRST = ("resilience/test_burst.py", "browser", "e2e", "client")


def group_of(nodeid: str) -> str:
    """The group of a test: its tier for a tier that shares one stack, else its module."""
    tier, _, rest = nodeid.partition("/")[2].partition("/")
    module = f"{tier}/{rest.partition('::')[0]}"
    return tier if tier in SHARED_STACK_TIERS and module not in OWN_PROCESSES else module


def _handed_out(item: pytest.Item) -> int:
    group = group_of(item.nodeid)
    return LONGEST_FIRST.index(group) if group in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_handed_out)  # stable: within a group, the order of the files


# Our own scheduler rather than `--dist loadgroup` and `xdist_group` marks: with pytest 9,
# xdist 3.8's workers no longer apply those marks (its undecorated hook is not called), so every
# test was a group of its own and each tier's shared stack started once on each worker.
@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    config.option.loadscopereorder = False  # keep the order above, not the biggest count first
    return ByGroup(config, log)


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
