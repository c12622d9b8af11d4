"""The data-plane stack, rendered from the topology through the same shapes local provisioning
applies (`shapes.py`): the topic, each consumer's queue, dead-letter queue, subscription, queue
policy and dead-letter alarm, the bucket (versioned) and the tables. Its outputs name what the
processes find at start (`resources_outputs()`, read back by `infra/stack_outputs.py`).
"""

from __future__ import annotations

from videoshare.infra import shapes
from videoshare.infra.cfn import (
    NO_VALUE,
    WEB_ORIGIN,
    Json,
    get_att,
    if_,
    logical_id,
    named,
    ref,
    resource,
)
from videoshare.infra.topology import ConsumerQueue, Table, Topology

TOPIC = "EventsTopic"
BUCKET = "MediaBucket"
ALARM_TOPIC = "AlarmTopic"
HAS_ALARM_EMAIL = "HasAlarmEmail"
BUCKET_SUFFIX = "media"  # settings.bucket
TOPIC_SUFFIX = "events"  # settings.topic_name
# How long a replaced or deleted object's old version stays restorable (a template parameter).
NONCURRENT_DAYS = "NoncurrentVersionDays"
# Which tables the services use: empty, the stack's own; a label, those restored from them by
# point-in-time recovery as <Stack>-<label>-<name> (docs/DEPLOY.md, "Restore").
RESTORED_TABLES = "RestoredTables"
HAS_RESTORED_TABLES = "UseRestoredTables"
_KEEP = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}  # data outlives the stack


def queue_id(consumer: str) -> str:
    return logical_id(consumer, "queue")


def dlq_id(consumer: str) -> str:
    return logical_id(consumer, "dlq")


def table_id(name: str) -> str:
    return logical_id(name, "table")


def bucket_arn() -> Json:
    return {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Stack}-%s" % BUCKET_SUFFIX}  # noqa: UP031


def data_resources(topo: Topology) -> dict[str, Json]:
    resources: dict[str, Json] = {
        TOPIC: resource("AWS::SNS::Topic", {"TopicName": named(TOPIC_SUFFIX)}),
        ALARM_TOPIC: resource(
            "AWS::SNS::Topic",
            {
                "TopicName": named("alarms"),
                "Subscription": [{"Protocol": "email", "Endpoint": ref("AlarmEmail")}],
            },
            Condition=HAS_ALARM_EMAIL,
        ),
    }
    for consumer in topo.consumers:
        resources.update(_consumer(consumer))
    resources[BUCKET] = _bucket(topo)
    for table in topo.tables:
        resources[table_id(table.name)] = _table(table)
    return resources


def queue_url_output(consumer: str) -> str:
    return logical_id(consumer, "queue-url")


def dlq_url_output(consumer: str) -> str:
    return logical_id(consumer, "dlq-url")


BUCKET_OUTPUT = "BucketName"
TOPIC_OUTPUT = "TopicArn"


def resources_outputs(topo: Topology) -> dict[str, Json]:
    """What a process finds at start (`infra/resources.Resources`), as the stack's outputs."""
    outputs: dict[str, Json] = {
        BUCKET_OUTPUT: {"Description": "The media bucket", "Value": ref(BUCKET)},
        TOPIC_OUTPUT: {"Description": "The events topic", "Value": ref(TOPIC)},
    }
    for consumer in topo.consumers:
        name = consumer.consumer
        outputs[queue_url_output(name)] = {
            "Description": f"{name}'s queue",
            "Value": ref(queue_id(name)),
        }
        outputs[dlq_url_output(name)] = {
            "Description": f"{name}'s dead-letter queue",
            "Value": ref(dlq_id(name)),
        }
    return outputs


def _consumer(consumer: ConsumerQueue) -> dict[str, Json]:
    name, queue, dlq = consumer.consumer, queue_id(consumer.consumer), dlq_id(consumer.consumer)
    shape = shapes.queue_shape(consumer)
    out: dict[str, Json] = {
        dlq: resource(
            "AWS::SQS::Queue",
            {
                "QueueName": named(f"{name}-dlq"),
                "MessageRetentionPeriod": shapes.DLQ_RETENTION_S,
                "SqsManagedSseEnabled": True,
            },
        ),
        queue: resource(
            "AWS::SQS::Queue",
            {
                "QueueName": named(name),
                "VisibilityTimeout": shape.visibility_timeout_s,
                "ReceiveMessageWaitTimeSeconds": shape.receive_wait_s,
                "MessageRetentionPeriod": shape.retention_s,
                "RedrivePolicy": shapes.redrive_policy(consumer, get_att(dlq, "Arn")),
                "SqsManagedSseEnabled": True,
            },
        ),
        logical_id(name, "queue-policy"): resource(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [ref(queue)],
                "PolicyDocument": shapes.queue_policy(
                    get_att(queue, "Arn"), ref(TOPIC), bucket_arn(), ref("AWS::AccountId")
                ),
            },
        ),
        logical_id(name, "dlq-alarm"): resource(
            "AWS::CloudWatch::Alarm",
            {
                "AlarmName": named(f"{name}-dead-letters"),
                "AlarmDescription": (
                    f"Messages in {name}'s dead-letter queue: `videoshare dlq show {name}`"
                    " says why, `videoshare dlq replay` sends them back (docs/DEPLOY.md)."
                ),
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": get_att(dlq, "QueueName")}],
                "Statistic": "Maximum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 0,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": if_(HAS_ALARM_EMAIL, [ref(ALARM_TOPIC)], NO_VALUE),
                "OKActions": if_(HAS_ALARM_EMAIL, [ref(ALARM_TOPIC)], NO_VALUE),
            },
        ),
    }
    if consumer.event_types:
        out[logical_id(name, "subscription")] = resource(
            "AWS::SNS::Subscription",
            {
                "TopicArn": ref(TOPIC),
                "Protocol": "sqs",
                "Endpoint": get_att(queue, "Arn"),
                "RawMessageDelivery": True,
                "FilterPolicyScope": shapes.FILTER_POLICY_SCOPE,
                "FilterPolicy": shapes.filter_policy(consumer),
            },
        )
    return out


def _bucket(topo: Topology) -> Json:
    rule = shapes.cors_rule(topo, ref(WEB_ORIGIN))
    notified = [c for c in topo.consumers if c.s3_notifications]
    filter_rules = shapes.upload_key_filter(topo)["Key"]["FilterRules"]
    return resource(
        "AWS::S3::Bucket",
        {
            "BucketName": named(BUCKET_SUFFIX),
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "AllowedOrigins": rule["AllowedOrigins"],
                        "AllowedMethods": rule["AllowedMethods"],
                        "AllowedHeaders": rule["AllowedHeaders"],
                        "ExposedHeaders": rule["ExposeHeaders"],
                        "MaxAge": rule["MaxAgeSeconds"],
                    }
                ]
            },
            # A deleted or overwritten object keeps its old version for `NoncurrentVersionDays`
            # (restorable: docs/DEPLOY.md), then costs nothing; the delete markers left behind
            # go too. No process may delete a version (`processes.py`), only add a marker.
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "abort-incomplete-multipart-uploads",
                        "Status": "Enabled",
                        "Prefix": "",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    },
                    {
                        "Id": "expire-noncurrent-versions",
                        "Status": "Enabled",
                        "Prefix": "",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": ref(NONCURRENT_DAYS)},
                        "ExpiredObjectDeleteMarker": True,
                    },
                ]
            },
            "NotificationConfiguration": {
                "QueueConfigurations": [
                    {
                        "Event": event,
                        "Queue": get_att(queue_id(consumer.consumer), "Arn"),
                        "Filter": {"S3Key": {"Rules": filter_rules}},
                    }
                    for consumer in notified
                    for event in shapes.upload_notification_events()
                ]
            },
        },
        # S3 checks that it may send to each queue when the notification is written
        DependsOn=[logical_id(c.consumer, "queue-policy") for c in notified],
        **_KEEP,
    )


def _table(table: Table) -> Json:
    properties: dict[str, Json] = {
        "TableName": named(table.name),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": shapes.attribute_definitions(table),
        "KeySchema": shapes.key_schema(table.hash_key, table.range_key),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    if table.indexes:
        properties["GlobalSecondaryIndexes"] = shapes.global_secondary_indexes(table)
    if table.ttl_attribute:
        properties["TimeToLiveSpecification"] = {
            "AttributeName": table.ttl_attribute,
            "Enabled": True,
        }
    return resource("AWS::DynamoDB::Table", properties, **_KEEP)
