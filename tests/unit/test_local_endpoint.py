"""Where AWS is: in local mode an unset `AWS_ENDPOINT_URL` is the emulator's default endpoint,
so every command that opens clients (dlq, provision, the processes) finds `make run`'s stack;
an endpoint that is set wins, and on AWS nothing is invented."""

from __future__ import annotations

import pytest

from videoshare.aws import client_kwargs
from videoshare.settings import LOCAL_ENDPOINT, Settings


@pytest.fixture(autouse=True)
def no_endpoint_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "VIDEOSHARE_MODE"):
        monkeypatch.delenv(name, raising=False)


def test_local_mode_without_an_endpoint_uses_the_emulators_default() -> None:
    settings = Settings()

    assert settings.aws_endpoint_url == LOCAL_ENDPOINT == "http://127.0.0.1:4566"
    assert client_kwargs(settings, "sqs")["endpoint_url"] == LOCAL_ENDPOINT


def test_an_empty_endpoint_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")

    assert Settings().aws_endpoint_url == LOCAL_ENDPOINT


def test_an_endpoint_that_is_set_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9999")

    assert Settings().aws_endpoint_url == "http://127.0.0.1:9999"
    assert Settings(aws_endpoint_url="http://emu:1").aws_endpoint_url == "http://emu:1"


def test_aws_mode_without_an_endpoint_talks_to_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEOSHARE_MODE", "aws")

    settings = Settings()

    assert settings.aws_endpoint_url is None
    assert "endpoint_url" not in client_kwargs(settings, "sqs")
