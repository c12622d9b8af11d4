"""The use-case tier: every use case against in-memory fakes, in milliseconds."""

from __future__ import annotations

import pytest

from tests.usecases.support import FakePorts


@pytest.fixture
def ports() -> FakePorts:
    return FakePorts()
