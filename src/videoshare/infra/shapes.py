"""What each resource of the topology looks like, as plain data: the one source that local
provisioning (`provision.py`, API calls) and the AWS template (`cloudformation.py`) both render.

Nothing here talks to AWS. ARNs are passed in, so the same function serves a real ARN string
(provisioning) and a CloudFormation intrinsic such as `{"Fn::GetAtt": [...]}` (the template).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from videoshare.infra.topology import ConsumerQueue, Table, Topology

# An ARN or a CloudFormation expression that evaluates to one.
ArnLike = Any

DLQ_RETENTION_S = 14 * 24 * 3600  # the SQS maximum: time to notice and replay
QUEUE_RETENTION_S = 4 * 24 * 3600
LONG_POLL_S = 20
CORS_MAX_AGE_S = 3600
FILTER_POLICY_SCOPE = "MessageAttributes"
APP_CLIENT_AUTH_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
USERNAME_ATTRIBUTES = ("email",)  # people log in with their e-mail address
AUTO_VERIFIED_ATTRIBUTES = ("email",)


@dataclass(frozen=True, slots=True)
class QueueShape:
    visibility_timeout_s: int
    receive_wait_s: int
    retention_s: int


def queue_shape(consumer: ConsumerQueue) -> QueueShape:
    return QueueShape(consumer.visibility_timeout_s, LONG_POLL_S, QUEUE_RETENTION_S)


def redrive_policy(consumer: ConsumerQueue, dlq_arn: ArnLike) -> dict[str, Any]:
    return {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": consumer.max_receive_count}


def filter_policy(consumer: ConsumerQueue) -> dict[str, list[str]]:
    """The SNS filter policy of a consumer's subscription (on the `event_type` attribute)."""
    return {"event_type": list(consumer.event_types)}


def queue_policy(
    queue_arn: ArnLike, topic_arn: ArnLike, bucket_arn: ArnLike, account: ArnLike
) -> dict[str, Any]:
    """Lets the topic and the bucket (nothing else) send to the queue. A bucket ARN names no
    account, and bucket names are global: were ours deleted and its name taken in another
    account, that bucket could send here too, so the bucket must also be in `account` (ours).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "events-topic",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            },
            {
                "Sid": "media-bucket",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": bucket_arn},
                    "StringEquals": {"aws:SourceAccount": account},
                },
            },
        ],
    }


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def cors_rule(topo: Topology, origin: ArnLike) -> dict[str, Any]:
    """The bucket's one CORS rule: the web app PUTs parts and reads their ETag."""
    return {
        "AllowedOrigins": [origin],
        "AllowedMethods": list(topo.cors_methods),
        "AllowedHeaders": ["*"],
        "ExposeHeaders": list(topo.cors_expose_headers),
        "MaxAgeSeconds": CORS_MAX_AGE_S,
    }


def upload_notification_events() -> list[str]:
    return ["s3:ObjectCreated:*"]


def upload_key_filter(topo: Topology) -> dict[str, Any]:
    return {"Key": {"FilterRules": [{"Name": "prefix", "Value": topo.upload_prefix}]}}


def key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return keys


def attribute_definitions(table: Table) -> list[dict[str, str]]:
    return [{"AttributeName": n, "AttributeType": t} for n, t in table.attributes().items()]


def global_secondary_indexes(table: Table) -> list[dict[str, Any]]:
    return [
        {
            "IndexName": index.name,
            "KeySchema": key_schema(index.hash_key, index.range_key),
            "Projection": {"ProjectionType": "ALL"},
        }
        for index in table.indexes
    ]


def password_policy(topo: Topology) -> dict[str, Any]:
    return {
        "MinimumLength": topo.password_min_length,
        "RequireUppercase": False,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": False,
    }


def user_attributes() -> list[dict[str, Any]]:
    """Attributes beyond the standard ones the pool keeps: the display name."""
    return [{"Name": "name", "AttributeDataType": "String", "Mutable": True}]
