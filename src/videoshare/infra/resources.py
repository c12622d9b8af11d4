"""Finding the provisioned resources at process start, by name, without creating anything."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from videoshare.aws import AwsClients
from videoshare.infra.topology import topology
from videoshare.settings import Settings


class MissingResource(Exception):
    """A resource the process needs does not exist: provisioning has not run."""


@dataclass(frozen=True, slots=True)
class Resources:
    bucket: str
    topic_arn: str
    queue_urls: dict[str, str]
    dlq_urls: dict[str, str]
    user_pool_id: str
    client_id: str


async def resolve(aws: AwsClients, settings: Settings) -> Resources:
    topo = topology(settings)
    queue_urls: dict[str, str] = {}
    dlq_urls: dict[str, str] = {}
    for consumer in topo.consumers:
        queue_urls[consumer.consumer] = await queue_url(aws, consumer.queue_name(settings))
        dlq_urls[consumer.consumer] = await queue_url(aws, consumer.dlq_name(settings))
    pool_id = settings.cognito_user_pool_id or await find_user_pool(aws, settings.user_pool_name)
    if pool_id is None:
        raise MissingResource(f"no Cognito user pool named {settings.user_pool_name}")
    client_id = settings.cognito_client_id or await find_app_client(
        aws, pool_id, settings.app_client_name
    )
    if client_id is None:
        raise MissingResource(f"no app client named {settings.app_client_name}")
    return Resources(
        bucket=settings.bucket,
        topic_arn=await topic_arn(aws, settings.topic_name),
        queue_urls=queue_urls,
        dlq_urls=dlq_urls,
        user_pool_id=pool_id,
        client_id=client_id,
    )


async def queue_url(aws: AwsClients, name: str) -> str:
    try:
        return (await aws.sqs.get_queue_url(QueueName=name))["QueueUrl"]
    except ClientError as exc:
        raise MissingResource(f"no SQS queue named {name}") from exc


async def topic_arn(aws: AwsClients, name: str) -> str:
    paginator = aws.sns.get_paginator("list_topics")
    async for page in paginator.paginate():
        for topic in page["Topics"]:
            arn = topic.get("TopicArn", "")
            if arn.rsplit(":", 1)[-1] == name:
                return arn
    raise MissingResource(f"no SNS topic named {name}")


async def find_user_pool(aws: AwsClients, name: str) -> str | None:
    paginator = aws.cognito.get_paginator("list_user_pools")
    async for page in paginator.paginate(PaginationConfig={"PageSize": 60}):
        for pool in page["UserPools"]:
            if pool.get("Name") == name:
                return pool["Id"]
    return None


async def find_app_client(aws: AwsClients, pool_id: str, name: str) -> str | None:
    paginator = aws.cognito.get_paginator("list_user_pool_clients")
    async for page in paginator.paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 60}):
        for client in page["UserPoolClients"]:
            if client.get("ClientName") == name:
                return client["ClientId"]
    return None
