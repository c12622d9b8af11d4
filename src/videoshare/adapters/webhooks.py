"""Webhooks and the outside world: the registrations (DynamoDB), the delivery queue (SQS) and
the signed POST to the user's URL (aiohttp), which refuses to call into private networks.

    hooks = WebhookRepository(dynamodb, table)
    hook = await hooks.put(user_id, url)                  # a fresh secret on every PUT
    hook = await hooks.rotate(user_id)                    # a fresh secret, the same URL
    await check_target(url, allow_private=False)          # raises UnsafeTarget
    result = await post_delivery(hook, delivery, body)    # one attempt, never raises
    poster = SignedWebhookPoster(allow_private=False)     # the same, as the workers' port
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from botocore.exceptions import ClientError

from videoshare.adapters.dynamo import condition_failed
from videoshare.domain.events import utc_now
from videoshare.domain.webhooks import (
    EVENT_HEADER,
    Delivery,
    hostname_problem,
    new_secret,
    public_address,
    signed_headers,
)
from videoshare.usecases.ports import AttemptResult, UnsafeTarget, Webhook

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_sqs import SQSClient

SEND_TIMEOUT_S = 10.0
# At most this much of a receiver's answer is read, as it came (never decompressed): the status
# is all a delivery needs, and a gzip bomb or an endless body must not cost the sender memory.
MAX_ANSWER_BYTES = 4096
MAX_SQS_DELAY_S = 900
USER_AGENT = "videoshare-webhooks/1"


class WebhookRepository:
    """The `WebhookRegistry` port."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    async def put(self, user_id: str, url: str) -> Webhook:
        hook = Webhook(user_id, url, new_secret(), utc_now())
        await self._db.put_item(
            TableName=self._table,
            Item={
                "user_id": {"S": user_id},
                "url": {"S": url},
                "secret": {"S": hook.secret},
                "updated_at": {"S": hook.updated_at.isoformat()},
            },
        )
        return hook

    async def get(self, user_id: str) -> Webhook | None:
        answer = await self._db.get_item(
            TableName=self._table, Key={"user_id": {"S": user_id}}, ConsistentRead=True
        )
        item = answer.get("Item")
        return _hook(user_id, item) if item else None

    async def rotate(self, user_id: str) -> Webhook | None:
        """One conditional update: a webhook deleted meanwhile is not brought back."""
        try:
            answer = await self._db.update_item(
                TableName=self._table,
                Key={"user_id": {"S": user_id}},
                UpdateExpression="SET secret = :secret, updated_at = :now",
                ConditionExpression="attribute_exists(user_id)",
                ExpressionAttributeValues={
                    ":secret": {"S": new_secret()},
                    ":now": {"S": utc_now().isoformat()},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if condition_failed(exc):
                return None
            raise
        return _hook(user_id, answer["Attributes"])

    async def delete(self, user_id: str) -> bool:
        answer = await self._db.delete_item(
            TableName=self._table, Key={"user_id": {"S": user_id}}, ReturnValues="ALL_OLD"
        )
        return bool(answer.get("Attributes"))


def _hook(user_id: str, item: dict[str, Any]) -> Webhook:
    return Webhook(
        user_id,
        item["url"]["S"],
        item["secret"]["S"],
        datetime.fromisoformat(item["updated_at"]["S"]),
    )


class WebhookDeliveries:
    """The webhook-sender's queue, seen from those who put attempts on it."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    async def enqueue(self, delivery: Delivery, delay_s: float) -> None:
        """Put an attempt on the queue, visible after `delay_s` (at most 15 min)."""
        await enqueue(self._sqs, self._queue_url, delivery, delay_s)


async def enqueue(sqs: SQSClient, queue_url: str, delivery: Delivery, delay_s: float) -> None:
    """Put an attempt on the delivery queue, visible after at most 15 min (SQS's limit: a longer
    wait is made of several hops, see `Delivery.not_before`)."""
    await sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=delivery.model_dump_json(),
        DelaySeconds=max(0, min(MAX_SQS_DELAY_S, int(delay_s))),
    )


# --- the target ---------------------------------------------------------------------------------
async def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse URLs whose host is or resolves to a non-public address (every address counts)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeTarget("the URL must be http(s)://host/...")
    if problem := hostname_problem(parts.hostname):
        raise UnsafeTarget(problem)
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        addresses = await _resolve(parts.hostname, port)
    else:
        addresses = [literal]
    for address in addresses:
        if not public_address(address):
            raise UnsafeTarget(f"{parts.hostname} is (or resolves to) {address}, not public")


class WebhookTargetCheck:
    """`check_target` as the use cases' `WebhookTargets` port."""

    async def check(self, url: str, *, allow_private: bool) -> None:
        await check_target(url, allow_private=allow_private)


async def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeTarget(f"{host} does not resolve: {exc}") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp does, and refuses a host that now resolves to a private address
    (DNS rebinding between the check and the connection)."""

    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if not public_address(ipaddress.ip_address(result["host"])):
                raise OSError(f"{host} resolves to a non-public address")
        return results

    async def close(self) -> None:
        await self._inner.close()


# --- one attempt --------------------------------------------------------------------------------
class SignedWebhookPoster:
    """`usecases.ports.WebhookPoster`: `post_delivery`, private targets allowed or not."""

    def __init__(self, *, allow_private: bool, timeout_s: float = SEND_TIMEOUT_S) -> None:
        self._allow_private = allow_private
        self._timeout_s = timeout_s

    async def post(self, hook: Webhook, delivery: Delivery, body: bytes) -> AttemptResult:
        return await post_delivery(
            hook, delivery, body, allow_private=self._allow_private, timeout_s=self._timeout_s
        )


async def post_delivery(
    hook: Webhook,
    delivery: Delivery,
    body: bytes,
    *,
    allow_private: bool,
    timeout_s: float = SEND_TIMEOUT_S,
) -> AttemptResult:
    """POST `body` to the hook's URL, signed by the Standard Webhooks specification (the delivery
    id is the `webhook-id`); any 2xx is delivered. Redirects are not followed;
    of the answer, at most `MAX_ANSWER_BYTES` are read, and never decompressed."""
    try:
        await check_target(hook.url, allow_private=allow_private)
    except UnsafeTarget as exc:
        return AttemptResult(delivered=False, error=str(exc), refused=True)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",
        **signed_headers(hook.secret, delivery.delivery_id, int(time.time()), body),
        EVENT_HEADER: delivery.event_type,
    }
    connector_args: dict[str, Any] = {} if allow_private else {"resolver": GuardedResolver()}
    try:
        async with (
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(**connector_args),
                timeout=aiohttp.ClientTimeout(total=timeout_s),
                auto_decompress=False,
            ) as http,
            http.post(hook.url, data=body, headers=headers, allow_redirects=False) as response,
        ):
            await response.content.read(MAX_ANSWER_BYTES)
            return AttemptResult(delivered=200 <= response.status < 300, status=response.status)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return AttemptResult(delivered=False, error=f"{type(exc).__name__}: {exc}")
