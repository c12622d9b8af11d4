"""Where AWS is: in local mode an unset `AWS_ENDPOINT_URL` is the emulator's default endpoint,
so every command that opens clients (dlq, provision, the processes) finds `make run`'s stack;
an endpoint that is set wins, and on AWS nothing is invented."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from videoshare.aws import client_kwargs
from videoshare.entrypoints.cli.main import main
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


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://dynamodb.us-east-1.amazonaws.com",
        "https://s3.eu-west-1.amazonaws.com/",
        "https://sqs.cn-north-1.amazonaws.com.cn",
        "https://s3.dualstack.us-east-1.api.aws",
        "https://SQS.US-EAST-1.AMAZONAWS.COM.",
        "not a url",
    ],
)
def test_local_mode_refuses_anything_but_an_emulator(
    monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    with pytest.raises(ValidationError, match="AWS_ENDPOINT_URL"):
        Settings()
    monkeypatch.setenv("VIDEOSHARE_MODE", "aws")  # the same endpoint is fine on AWS
    if "amazonaws" in endpoint.lower():
        assert Settings().aws_endpoint_url == endpoint


def test_a_deployment_that_forgot_aws_mode_cannot_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://dynamodb.us-east-1.amazonaws.com")
    with pytest.raises(SystemExit) as exited:
        main(["api"])
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1
    assert "local mode only talks to an emulator; set VIDEOSHARE_MODE=aws" in said
