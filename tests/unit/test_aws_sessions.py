"""How `videoshare.aws` makes sessions and clients: one session per set of static credentials
(each service model is parsed once per process), a session of its own for the default chain (it
refreshes a task role's credentials itself), and no CA bundle loaded for a plain-HTTP emulator,
while a TLS endpoint keeps checking certificates."""

from __future__ import annotations

from pydantic import SecretStr

from videoshare.aws import client_kwargs, session_for
from videoshare.settings import Settings

EMULATOR = "http://127.0.0.1:4566"


def test_static_credentials_share_one_session() -> None:
    first = Settings(aws_endpoint_url=EMULATOR, stack="one")
    second = Settings(aws_endpoint_url=EMULATOR, stack="two")

    assert session_for(first) is session_for(second)


def test_other_static_credentials_get_their_own_session() -> None:
    mine = Settings(aws_access_key_id="AKIAMINE", aws_secret_access_key=SecretStr("a"))
    theirs = Settings(aws_access_key_id="AKIATHEIRS", aws_secret_access_key=SecretStr("b"))

    assert session_for(mine) is not session_for(theirs)


def test_the_default_chain_gets_a_session_each_time() -> None:
    on_aws = Settings(mode="aws", aws_access_key_id=None, aws_secret_access_key=None)
    assert not on_aws.is_local

    assert session_for(on_aws) is not session_for(on_aws)


def test_a_plain_http_endpoint_loads_no_certificates() -> None:
    assert client_kwargs(Settings(aws_endpoint_url=EMULATOR), "sqs")["verify"] is False


def test_a_tls_endpoint_and_aws_itself_check_certificates() -> None:
    tls = Settings(aws_endpoint_url="https://localstack.example:4566")

    assert "verify" not in client_kwargs(tls, "sqs")
    assert "verify" not in client_kwargs(Settings(mode="aws"), "s3")
