"""The whole stack as real processes (`tests/stack.py`): the ingress and every worker, on a fresh
provisioned stack of the session's emulator. Their output is kept under test-artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.stack import Stack, running_stack
from videoshare.local.emulator import Emulator


# One stack for the package: every test makes its own users and videos, so they never meet.
@pytest.fixture(scope="package")
async def stack(emulator: Emulator) -> AsyncIterator[Stack]:
    # imports may fetch from a server on loopback (tests/e2e/test_import.py), as locally allowed
    env = {"VIDEOSHARE_IMPORT_ALLOW_PRIVATE_SOURCES": "true"}
    async with running_stack(emulator.endpoint, "e2e", env=env) as running:
        yield running


@pytest.fixture(scope="package")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")
