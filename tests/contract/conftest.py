"""The contract suite: each port's tests run twice, against its in-memory fake (`tests/fakes/`)
and against its real adapter on the emulator, so a fake cannot drift from what it stands for.

    def test_x(videos: VideoStore) -> None: ...     # test_x[fake], test_x[real]

A test module makes its port from `backend`: None for the fake, else the emulator's clients and
settings (a fresh stack name per module; a fresh table per test, so nothing a test reads was
written by another). The real cases carry the `integration` mark, so `-m "not integration"`
runs the fake half alone, in the fast tier.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.support import unique_stack
from videoshare.aws import AwsClients, open_clients
from videoshare.infra.provision import _table
from videoshare.infra.topology import topology
from videoshare.local.emulator import Emulator
from videoshare.settings import Settings


@dataclass(frozen=True)
class Emulated:
    settings: Settings
    aws: AwsClients

    async def fresh_table(self, name: str) -> str:
        """A new table shaped as the topology's table `name`; its full name."""
        shape = next(t for t in topology(self.settings).tables if t.name == name)
        full = f"{self.settings.table(name)}-{uuid.uuid4().hex[:8]}"
        await _table(self.aws, full, shape)
        return full


@pytest.fixture(scope="module")
async def emulated(emulator: Emulator) -> AsyncIterator[Emulated]:
    settings = Settings(
        stack=unique_stack("contract"),
        aws_endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    async with open_clients(settings) as aws:
        yield Emulated(settings, aws)


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> Emulated | None:
    """None: the fake; otherwise the emulator (started only when a real case runs)."""
    if request.param == "fake":
        return None
    emulated: Emulated = request.getfixturevalue("emulated")
    return emulated


def where_the_emulator_differs(reason: str) -> pytest.MarkDecorator:
    """Run the fake, and the real adapter as a strict xfail: AWS does what the test says, the
    emulator does not (`reason`); should the emulator learn it, the xfail fails as a reminder."""
    real = pytest.param(
        "real",
        marks=[
            pytest.mark.integration,
            pytest.mark.xfail(strict=True, reason=f"the emulator differs from AWS: {reason}"),
        ],
    )
    return pytest.mark.parametrize("backend", ["fake", real], indirect=True)
