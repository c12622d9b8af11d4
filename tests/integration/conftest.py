"""Fixtures of the API tests: one freshly provisioned stack per test module, and the real app
running in-process against it (its users are made per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.api_support import Client, Stack, provisioned_stack, running_api
from videoshare.local.emulator import Emulator


@pytest.fixture(scope="module")
async def stack(emulator: Emulator) -> AsyncIterator[Stack]:
    async with provisioned_stack(emulator) as fresh:
        yield fresh


@pytest.fixture(scope="module")
async def api(stack: Stack) -> AsyncIterator[Client]:
    async with running_api(stack.settings) as client:
        yield client
