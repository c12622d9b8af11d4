"""The S3 client's connection pool fits the most uploads the transcoder starts at once, so no
upload waits for a connection, whatever the process's `max_in_flight`."""

from __future__ import annotations

import pytest

from videoshare.aws import client_kwargs
from videoshare.settings import Settings
from videoshare.usecases.transcode_outputs import SMALL_UPLOADS_AT_ONCE, UPLOADS_AT_ONCE


@pytest.mark.parametrize("max_in_flight", [1, 10])
def test_the_s3_pool_fits_the_transcoders_uploads_at_once(max_in_flight: int) -> None:
    config = client_kwargs(Settings(max_in_flight=max_in_flight), "s3")["config"]

    assert config.max_pool_connections >= SMALL_UPLOADS_AT_ONCE + UPLOADS_AT_ONCE


def test_other_clients_keep_a_pool_sized_by_max_in_flight() -> None:
    settings = Settings(max_in_flight=1)

    assert client_kwargs(settings, "dynamodb")["config"].max_pool_connections == 10
    assert client_kwargs(Settings(max_in_flight=30), "sqs")["config"].max_pool_connections == 60
