"""Provisioning against the real emulator: everything is created, and a second run changes
nothing."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from videoshare.adapters.publisher import Publisher
from videoshare.aws import AwsClients
from videoshare.domain import keys
from videoshare.domain.events import VideoReady, VideoReadyData
from videoshare.entrypoints.workers.messages import decode_s3
from videoshare.infra.provision import provision
from videoshare.infra.resources import Resources, resolve
from videoshare.infra.topology import topology
from videoshare.settings import Settings


async def snapshot(aws: AwsClients, settings: Settings, res: Resources) -> dict[str, Any]:
    """Everything provisioning controls, as data."""
    snap: dict[str, Any] = {"queues": {}, "subscriptions": [], "tables": {}}
    for url in [*res.queue_urls.values(), *res.dlq_urls.values()]:
        attrs = (await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]))[
            "Attributes"
        ]
        snap["queues"][url] = {
            k: v for k, v in attrs.items() if not k.startswith(("Approximate", "LastModified"))
        }
    subs = await aws.sns.list_subscriptions_by_topic(TopicArn=res.topic_arn)
    for sub in subs["Subscriptions"]:
        answer = await aws.sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])
        sub_attrs = answer["Attributes"]
        snap["subscriptions"].append(
            (sub["Endpoint"], sub_attrs.get("FilterPolicy"), sub_attrs.get("RawMessageDelivery"))
        )
    for table in topology(settings).tables:
        desc = (await aws.dynamodb.describe_table(TableName=settings.table(table.name)))["Table"]
        snap["tables"][table.name] = (
            desc["KeySchema"],
            sorted(i["IndexName"] for i in desc.get("GlobalSecondaryIndexes", [])),
        )
    snap["cors"] = (await aws.s3.get_bucket_cors(Bucket=res.bucket))["CORSRules"]
    notif = await aws.s3.get_bucket_notification_configuration(Bucket=res.bucket)
    snap["notifications"] = notif.get("QueueConfigurations")
    pools = await aws.cognito.list_user_pools(MaxResults=60)
    snap["pools"] = sorted(
        p["Id"] for p in pools["UserPools"] if p["Name"].startswith(settings.stack)
    )
    clients = await aws.cognito.list_user_pool_clients(UserPoolId=res.user_pool_id)
    snap["clients"] = sorted(c["ClientId"] for c in clients["UserPoolClients"])
    return snap


async def test_provisioning_twice_changes_nothing(aws: AwsClients, settings: Settings) -> None:
    first = await provision(aws, settings)
    before = await snapshot(aws, settings, first)
    second = await provision(aws, settings)
    after = await snapshot(aws, settings, second)
    assert second == first
    assert after == before
    assert await resolve(aws, settings) == first


async def test_every_consumer_has_a_filtered_queue_and_a_dead_letter_queue(
    aws: AwsClients, settings: Settings
) -> None:
    res = await provision(aws, settings)
    snap = await snapshot(aws, settings, res)
    filters = {endpoint.rsplit(":", 1)[-1]: (f, raw) for endpoint, f, raw in snap["subscriptions"]}
    for consumer in topology(settings).consumers:
        attrs = snap["queues"][res.queue_urls[consumer.consumer]]
        redrive = json.loads(attrs["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(consumer.dlq_name(settings))
        assert int(redrive["maxReceiveCount"]) == consumer.max_receive_count
        if consumer.event_types:
            policy, raw = filters[consumer.queue_name(settings)]
            assert json.loads(policy) == {"event_type": list(consumer.event_types)}
            assert raw == "true"
        else:
            assert consumer.queue_name(settings) not in filters
    assert snap["cors"][0]["AllowedOrigins"] == [settings.web_origin]
    assert "PUT" in snap["cors"][0]["AllowedMethods"]


async def test_events_reach_only_the_subscribed_queues(aws: AwsClients, settings: Settings) -> None:
    res = await provision(aws, settings)
    event = VideoReady(
        correlation_id="c1",
        producer="test",
        data=VideoReadyData(video_id="v", owner_id="o", title="t"),
    )
    await Publisher(aws.sns, res.topic_arn).publish(event)

    got = await aws.sqs.receive_message(
        QueueUrl=res.queue_urls["notifier"], WaitTimeSeconds=2, MessageAttributeNames=["All"]
    )
    (message,) = got["Messages"]
    assert json.loads(message["Body"])["id"] == event.id  # raw delivery: the body is the event
    assert message["MessageAttributes"]["event_type"]["StringValue"] == "video.ready"
    for other in ("transcoder", "metadata-indexer", "upload-finalizer"):
        nothing = await aws.sqs.receive_message(QueueUrl=res.queue_urls[other], WaitTimeSeconds=0)
        bodies = [m["Body"] for m in nothing.get("Messages", [])]
        assert all("s3:TestEvent" in b for b in bodies), other


async def test_an_upload_notifies_the_finalizer_queue(aws: AwsClients, settings: Settings) -> None:
    res = await provision(aws, settings)
    key = keys.source_key("ab" * 16)
    url = await aws.s3.generate_presigned_url(
        "put_object", Params={"Bucket": res.bucket, "Key": key}, ExpiresIn=60
    )
    assert "X-Amz-Signature" in url  # SigV4, not SigV2
    async with aiohttp.ClientSession() as http, http.put(url, data=b"12345") as response:
        assert response.status == 200

    decoded = None
    for _ in range(5):  # skip S3's test event, left by provisioning
        got = await aws.sqs.receive_message(
            QueueUrl=res.queue_urls["upload-finalizer"], WaitTimeSeconds=2
        )
        for message in got.get("Messages", []):
            decoded = decoded or decode_s3(message["Body"])
        if decoded:
            break
    assert decoded is not None
    assert decoded.records[0].key == key
    assert decoded.records[0].size == 5
