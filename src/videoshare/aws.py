"""AWS clients: opened once per process in a lifecycle hook, closed on shutdown.

    async with open_clients(settings) as aws:
        await aws.sqs.receive_message(...)

Nothing is opened at import time. A session with static credentials (the emulator's, or keys
given in the environment) is made once and shared by every `open_clients` of the process: a
session parses each service's model once, and parsing it again cost every client ~25 ms of CPU,
a test that opened clients a dozen times a third of a second. Clients themselves stay per caller.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import aioboto3
from botocore.config import Config

from videoshare.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient


@dataclass(frozen=True, slots=True)
class AwsClients:
    s3: S3Client
    sqs: SQSClient
    sns: SNSClient
    dynamodb: DynamoDBClient
    cognito: CognitoIdentityProviderClient


def session_for(settings: Settings) -> aioboto3.Session:
    key = settings.aws_access_key_id
    secret = (
        settings.aws_secret_access_key.get_secret_value()
        if settings.aws_secret_access_key
        else None
    )
    if settings.is_local and key is None:
        key, secret = "testing", "testing"  # the emulator accepts any; these never reach AWS
    if key is None or secret is None:
        # the default chain (a task role on ECS): a session of its own, which refreshes them
        return aioboto3.Session(region_name=settings.aws_region)
    return _static_session(key, secret, settings.aws_region)


@functools.cache
def _static_session(key: str, secret: str, region: str) -> aioboto3.Session:
    return aioboto3.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=region)


# The most S3 requests one process starts at once: the transcoder's output uploads, 12 small
# and 4 large (`usecases/transcode_outputs.py`), whatever its `max_in_flight` (1). Connections
# open as they are needed, so a process that never asks for this many never holds them.
S3_REQUESTS_AT_ONCE: Final = 16


def client_kwargs(settings: Settings, service: str) -> dict[str, Any]:
    """Keyword arguments for one service client (shared with the sync boto3 code in tests)."""
    pool = max(10, settings.max_in_flight * 2)
    config = Config(
        retries={"max_attempts": 4, "mode": "standard"},
        max_pool_connections=max(pool, S3_REQUESTS_AT_ONCE) if service == "s3" else pool,
        # s3v4 always: otherwise presigned URLs against a custom endpoint come out SigV2.
        signature_version="s3v4" if service == "s3" else None,
        s3={"addressing_style": "path"} if service == "s3" and settings.aws_endpoint_url else None,
    )
    kwargs: dict[str, Any] = {"region_name": settings.aws_region, "config": config}
    if settings.aws_endpoint_url:
        kwargs["endpoint_url"] = settings.aws_endpoint_url
        if settings.aws_endpoint_url.startswith("http://"):
            # Plain HTTP has no certificate to check; leaving `verify` on still loads the whole
            # CA bundle into a fresh SSL context for every client (~20 ms of CPU each).
            kwargs["verify"] = False
    return kwargs


@asynccontextmanager
async def open_clients(settings: Settings) -> AsyncIterator[AwsClients]:
    session = session_for(settings)
    async with AsyncExitStack() as stack:

        async def client(service: str) -> Any:
            return await stack.enter_async_context(
                session.client(service, **client_kwargs(settings, service))
            )

        yield AwsClients(
            s3=await client("s3"),
            sqs=await client("sqs"),
            sns=await client("sns"),
            dynamodb=await client("dynamodb"),
            cognito=await client("cognito-idp"),
        )
