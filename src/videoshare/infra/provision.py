"""Apply the topology to an AWS endpoint (the emulator, LocalStack, or an account), idempotently.

Every step first looks at what exists and only creates or corrects what differs, so running it
twice changes nothing. `provision()` returns the names and ids the processes need.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import structlog
from botocore.exceptions import ClientError

from videoshare.aws import AwsClients
from videoshare.infra import shapes
from videoshare.infra.resources import Resources, find_app_client, find_user_pool
from videoshare.infra.topology import ConsumerQueue, Table, Topology, topology
from videoshare.settings import Settings

log = structlog.get_logger("provision")


async def provision(aws: AwsClients, settings: Settings) -> Resources:
    topo = topology(settings)
    # Three chains at once, one per service (a fresh stack in about half the time). Within a
    # service one call at a time: the emulator's models are not safe for concurrent changes
    # (moto's SNS failed a subscribe with "OrderedDict mutated during iteration").
    messaging = asyncio.ensure_future(_messaging(aws, settings, topo))
    user_pool = asyncio.ensure_future(provision_user_pool(aws, settings, topo))
    try:
        for table in topo.tables:
            await _table(aws, settings.table(table.name), table)
    finally:
        # whatever happened above, nothing is left running behind the caller's back
        await asyncio.gather(messaging, user_pool, return_exceptions=True)
    topic_arn, queue_urls, dlq_urls = await messaging
    pool_id, client_id = await user_pool
    log.info("provisioned", bucket=settings.bucket, topic=topic_arn, user_pool=pool_id)
    return Resources(settings.bucket, topic_arn, queue_urls, dlq_urls, pool_id, client_id)


async def _messaging(
    aws: AwsClients, settings: Settings, topo: Topology
) -> tuple[str, dict[str, str], dict[str, str]]:
    """The topic, each consumer's queues and subscription, then the bucket that feeds one."""
    topic_arn = (await aws.sns.create_topic(Name=settings.topic_name))["TopicArn"]
    queue_urls: dict[str, str] = {}
    dlq_urls: dict[str, str] = {}
    for consumer in topo.consumers:
        queue_urls[consumer.consumer], dlq_urls[consumer.consumer] = await _consumer_queues(
            aws, settings, consumer, topic_arn
        )
    await _bucket(aws, settings, topo, queue_urls)
    return topic_arn, queue_urls, dlq_urls


async def _queue_arn(aws: AwsClients, url: str) -> str:
    attrs = await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attrs["Attributes"]["QueueArn"]


async def _ensure_queue(aws: AwsClients, name: str, attributes: dict[str, str]) -> str:
    try:
        url = (await aws.sqs.get_queue_url(QueueName=name))["QueueUrl"]
    except ClientError as exc:
        if "NonExistentQueue" not in str(exc.response.get("Error", {}).get("Code", "")):
            raise
        return (await aws.sqs.create_queue(QueueName=name, Attributes=attributes))["QueueUrl"]  # type: ignore[arg-type]
    answer = await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    current: dict[str, str] = {str(k): v for k, v in answer["Attributes"].items()}
    changed = {k: v for k, v in attributes.items() if not _same_attribute(current.get(k), v)}
    if changed:
        await aws.sqs.set_queue_attributes(QueueUrl=url, Attributes=changed)  # type: ignore[arg-type]
    return url


def _same_attribute(current: str | None, wanted: str) -> bool:
    if current is None:
        return False
    if wanted.startswith("{"):
        return bool(json.loads(current) == json.loads(wanted))
    return current == wanted


async def _consumer_queues(
    aws: AwsClients, settings: Settings, consumer: ConsumerQueue, topic_arn: str
) -> tuple[str, str]:
    dlq_url = await _ensure_queue(
        aws, consumer.dlq_name(settings), {"MessageRetentionPeriod": str(shapes.DLQ_RETENTION_S)}
    )
    dlq_arn = await _queue_arn(aws, dlq_url)
    queue_name = consumer.queue_name(settings)
    region_account = dlq_arn.rsplit(":", 1)[0]
    queue_arn = f"{region_account}:{queue_name}"
    shape = shapes.queue_shape(consumer)
    account = queue_arn.split(":")[4]
    policy = shapes.queue_policy(queue_arn, topic_arn, shapes.bucket_arn(settings.bucket), account)
    url = await _ensure_queue(
        aws,
        queue_name,
        {
            "VisibilityTimeout": str(shape.visibility_timeout_s),
            "ReceiveMessageWaitTimeSeconds": str(shape.receive_wait_s),
            "MessageRetentionPeriod": str(shape.retention_s),
            "RedrivePolicy": json.dumps(shapes.redrive_policy(consumer, dlq_arn)),
            "Policy": json.dumps(policy),
        },
    )
    if consumer.event_types:
        await _subscription(aws, topic_arn, queue_arn, consumer)
    return url, dlq_url


async def _subscription(
    aws: AwsClients, topic_arn: str, queue_arn: str, consumer: ConsumerQueue
) -> None:
    attributes = {
        "RawMessageDelivery": "true",
        "FilterPolicy": json.dumps(shapes.filter_policy(consumer)),
        "FilterPolicyScope": shapes.FILTER_POLICY_SCOPE,
    }
    paginator = aws.sns.get_paginator("list_subscriptions_by_topic")
    async for page in paginator.paginate(TopicArn=topic_arn):
        for sub in page["Subscriptions"]:
            if sub["Protocol"] == "sqs" and sub["Endpoint"] == queue_arn:
                current = (
                    await aws.sns.get_subscription_attributes(
                        SubscriptionArn=sub["SubscriptionArn"]
                    )
                )["Attributes"]
                for name, value in attributes.items():
                    if not _same_attribute(current.get(name), value):
                        await aws.sns.set_subscription_attributes(
                            SubscriptionArn=sub["SubscriptionArn"],
                            AttributeName=name,
                            AttributeValue=value,
                        )
                return
    await aws.sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes
    )


async def _bucket(
    aws: AwsClients, settings: Settings, topo: Topology, queue_urls: dict[str, str]
) -> None:
    try:
        await aws.s3.head_bucket(Bucket=settings.bucket)
    except ClientError:
        kwargs: dict[str, Any] = {"Bucket": settings.bucket}
        if settings.aws_region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.aws_region}
        await aws.s3.create_bucket(**kwargs)
    cors = {"CORSRules": [shapes.cors_rule(topo, settings.web_origin)]}
    await aws.s3.put_bucket_cors(Bucket=settings.bucket, CORSConfiguration=cors)  # type: ignore[arg-type]
    queue_configs = []
    for consumer in topo.consumers:
        if consumer.s3_notifications:
            queue_configs.append(
                {
                    "Id": f"{consumer.consumer}-uploads",
                    "QueueArn": await _queue_arn(aws, queue_urls[consumer.consumer]),
                    "Events": shapes.upload_notification_events(),
                    "Filter": shapes.upload_key_filter(topo),
                }
            )
    current = await aws.s3.get_bucket_notification_configuration(Bucket=settings.bucket)
    if current.get("QueueConfigurations", []) != queue_configs:
        # Putting it sends an s3:TestEvent to each queue; only do it when something changed.
        await aws.s3.put_bucket_notification_configuration(
            Bucket=settings.bucket,
            NotificationConfiguration={"QueueConfigurations": queue_configs},  # type: ignore[typeddict-item]
        )


async def _table(aws: AwsClients, name: str, table: Table) -> None:
    try:
        await aws.dynamodb.describe_table(TableName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        kwargs: dict[str, Any] = {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": shapes.attribute_definitions(table),
            "KeySchema": shapes.key_schema(table.hash_key, table.range_key),
        }
        if table.indexes:
            kwargs["GlobalSecondaryIndexes"] = shapes.global_secondary_indexes(table)
        await aws.dynamodb.create_table(**kwargs)
        waiter = aws.dynamodb.get_waiter("table_exists")
        await waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    if table.ttl_attribute:
        ttl = await aws.dynamodb.describe_time_to_live(TableName=name)
        if ttl["TimeToLiveDescription"].get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            await aws.dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )


async def provision_user_pool(
    aws: AwsClients, settings: Settings, topo: Topology
) -> tuple[str, str]:
    """The user pool and its app client (what the identity stack makes on AWS): their ids."""
    pool_id = await find_user_pool(aws, settings.user_pool_name)
    if pool_id is None:
        policies: Any = {"PasswordPolicy": shapes.password_policy(topo)}  # a plain dict
        pool = await aws.cognito.create_user_pool(
            PoolName=settings.user_pool_name,
            UsernameAttributes=list(shapes.USERNAME_ATTRIBUTES),  # type: ignore[arg-type]
            AutoVerifiedAttributes=list(shapes.AUTO_VERIFIED_ATTRIBUTES),  # type: ignore[arg-type]
            Policies=policies,
            Schema=shapes.user_attributes(),  # type: ignore[arg-type]
        )
        pool_id = pool["UserPool"]["Id"]
    client_id = await find_app_client(aws, pool_id, settings.app_client_name)
    if client_id is None:
        client = await aws.cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=settings.app_client_name,
            GenerateSecret=False,
            ExplicitAuthFlows=list(shapes.APP_CLIENT_AUTH_FLOWS),  # type: ignore[arg-type]
            EnableTokenRevocation=True,
        )
        client_id = client["UserPoolClient"]["ClientId"]
    return pool_id, client_id
