"""The template and local provisioning agree: provision on the real emulator, read back what
exists, and compare it with what the template would create for the same stack name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.template_support import name_of, of_type, target_of
from videoshare.aws import AwsClients
from videoshare.infra.cfn import logical_id
from videoshare.infra.cloudformation import template
from videoshare.infra.provision import provision
from videoshare.infra.topology import topology
from videoshare.settings import Settings

pytestmark = pytest.mark.integration


def queue_name_of(cfn: dict[str, Any], value: Any, stack: str) -> str:
    """The queue name behind a Ref/GetAtt of a queue resource."""
    queue = cfn["Resources"][target_of(value)]
    return name_of(queue["Properties"]["QueueName"], stack)


async def test_queues_dead_letter_queues_and_subscriptions_agree(
    aws: AwsClients, settings: Settings
) -> None:
    res = await provision(aws, settings)
    cfn, stack = template(settings), settings.stack
    subscriptions = of_type(cfn, "AWS::SNS::Subscription")
    by_endpoint = {
        queue_name_of(cfn, s["Properties"]["Endpoint"], stack): s["Properties"]
        for s in subscriptions.values()
    }
    live_subs: dict[str, dict[str, str]] = {}
    for sub in (await aws.sns.list_subscriptions_by_topic(TopicArn=res.topic_arn))["Subscriptions"]:
        attrs = await aws.sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])
        live_subs[sub["Endpoint"].rsplit(":", 1)[-1]] = dict(attrs["Attributes"])
    for consumer in topology(settings).consumers:
        name = consumer.consumer
        queue = cfn["Resources"][logical_id(name, "queue")]["Properties"]
        dlq = cfn["Resources"][logical_id(name, "dlq")]["Properties"]
        assert name_of(queue["QueueName"], stack) == consumer.queue_name(settings)
        assert name_of(dlq["QueueName"], stack) == consumer.dlq_name(settings)
        live = (
            await aws.sqs.get_queue_attributes(
                QueueUrl=res.queue_urls[name], AttributeNames=["All"]
            )
        )["Attributes"]
        assert int(live["VisibilityTimeout"]) == queue["VisibilityTimeout"]
        assert int(live["ReceiveMessageWaitTimeSeconds"]) == queue["ReceiveMessageWaitTimeSeconds"]
        assert int(live["MessageRetentionPeriod"]) == queue["MessageRetentionPeriod"]
        redrive = json.loads(live["RedrivePolicy"])
        assert int(redrive["maxReceiveCount"]) == queue["RedrivePolicy"]["maxReceiveCount"]
        assert redrive["deadLetterTargetArn"].rsplit(":", 1)[-1] == queue_name_of(
            cfn, queue["RedrivePolicy"]["deadLetterTargetArn"], stack
        )
        live_dlq = (
            await aws.sqs.get_queue_attributes(
                QueueUrl=res.dlq_urls[name], AttributeNames=["MessageRetentionPeriod"]
            )
        )["Attributes"]
        assert int(live_dlq["MessageRetentionPeriod"]) == dlq["MessageRetentionPeriod"]
        queue_name = consumer.queue_name(settings)
        assert (queue_name in live_subs) == (queue_name in by_endpoint), name
        if queue_name in by_endpoint:
            declared, provisioned = by_endpoint[queue_name], live_subs[queue_name]
            assert json.loads(provisioned["FilterPolicy"]) == declared["FilterPolicy"]
            assert provisioned["FilterPolicyScope"] == declared["FilterPolicyScope"]
            assert (provisioned["RawMessageDelivery"] == "true") is declared["RawMessageDelivery"]


async def test_tables_keys_indexes_and_ttl_agree(aws: AwsClients, settings: Settings) -> None:
    await provision(aws, settings)
    cfn = template(settings)
    declared = {
        name_of(t["Properties"]["TableName"], settings.stack): t["Properties"]
        for t in of_type(cfn, "AWS::DynamoDB::Table").values()
    }
    assert set(declared) == {settings.table(t.name) for t in topology(settings).tables}
    for name, props in declared.items():
        live = (await aws.dynamodb.describe_table(TableName=name))["Table"]
        assert live["KeySchema"] == props["KeySchema"]
        assert sorted(live["AttributeDefinitions"], key=str) == sorted(
            props["AttributeDefinitions"], key=str
        )
        live_indexes = {
            i["IndexName"]: (i["KeySchema"], i["Projection"])
            for i in live.get("GlobalSecondaryIndexes", [])
        }
        assert live_indexes == {
            i["IndexName"]: (i["KeySchema"], i["Projection"])
            for i in props.get("GlobalSecondaryIndexes", [])
        }
        ttl = (await aws.dynamodb.describe_time_to_live(TableName=name))["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in props:
            assert ttl.get("AttributeName") == props["TimeToLiveSpecification"]["AttributeName"]
        else:
            assert ttl.get("TimeToLiveStatus") in (None, "DISABLED")


async def test_bucket_notifications_cors_and_names_agree(
    aws: AwsClients, settings: Settings
) -> None:
    res = await provision(aws, settings)
    cfn = template(settings)
    (bucket,) = of_type(cfn, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert name_of(props["BucketName"], settings.stack) == res.bucket
    (live_cors,) = (await aws.s3.get_bucket_cors(Bucket=res.bucket))["CORSRules"]
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert live_cors["AllowedMethods"] == cors["AllowedMethods"]
    assert live_cors["ExposeHeaders"] == cors["ExposedHeaders"]
    assert live_cors["MaxAgeSeconds"] == cors["MaxAge"]
    live = await aws.s3.get_bucket_notification_configuration(Bucket=res.bucket)
    (live_queue,) = live["QueueConfigurations"]
    (queue,) = props["NotificationConfiguration"]["QueueConfigurations"]
    assert live_queue["Events"] == [queue["Event"]]
    assert live_queue["QueueArn"].rsplit(":", 1)[-1] == queue_name_of(
        cfn, queue["Queue"], settings.stack
    )
    live_rules = live_queue["Filter"]["Key"]["FilterRules"]
    assert [(r["Name"].lower(), r["Value"]) for r in live_rules] == [
        (r["Name"].lower(), r["Value"]) for r in queue["Filter"]["S3Key"]["Rules"]
    ]
    topics = of_type(cfn, "AWS::SNS::Topic")
    assert (
        name_of(topics["EventsTopic"]["Properties"]["TopicName"], settings.stack)
        == (res.topic_arn.rsplit(":", 1)[-1])
    )


async def test_the_user_pool_and_its_client_agree(aws: AwsClients, settings: Settings) -> None:
    res = await provision(aws, settings)
    cfn = template(settings)
    pool = cfn["Resources"]["UserPool"]["Properties"]
    client = cfn["Resources"]["UserPoolClient"]["Properties"]
    live = (await aws.cognito.describe_user_pool(UserPoolId=res.user_pool_id))["UserPool"]
    assert name_of(pool["UserPoolName"], settings.stack) == live["Name"]
    assert live["UsernameAttributes"] == pool["UsernameAttributes"]
    assert live["AutoVerifiedAttributes"] == pool["AutoVerifiedAttributes"]
    live_policy = live["Policies"]["PasswordPolicy"]
    for key, value in pool["Policies"]["PasswordPolicy"].items():
        assert live_policy[key] == value, key  # type: ignore[literal-required]
    live_client = (
        await aws.cognito.describe_user_pool_client(
            UserPoolId=res.user_pool_id, ClientId=res.client_id
        )
    )["UserPoolClient"]
    assert name_of(client["ClientName"], settings.stack) == live_client["ClientName"]
    assert sorted(live_client["ExplicitAuthFlows"]) == sorted(client["ExplicitAuthFlows"])
