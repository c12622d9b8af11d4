"""The data-plane stack as written (infra/stacks/data.yaml) deployed into the emulator's own
CloudFormation, and a real upload carried to `ready` by the ingress and the workers on the
resources that stack made, found from its outputs: the wiring, not just the syntax. Then the
video is deleted, and brought back as docs/DEPLOY.md says: its record from the tables restored
beside the stack's (the services switched to them by `VIDEOSHARE_TABLE_PREFIX`), its objects
from behind their delete markers on the stack's versioned bucket.

What the emulator's CloudFormation leaves out is applied from the same template
(`emulator_stack.py` says what and why)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from tests.infra.emulator_stack import SKIPPED_TYPES, complete_skipped, deploy
from tests.infra.support import ROOT
from tests.integration.api_support import create_video, poll, running_api, sign_up
from tests.integration.worker_support import start_worker
from tests.media import make_clip
from videoshare.aws import AwsClients
from videoshare.bootstrap import wire
from videoshare.domain.video import VideoStatus
from videoshare.entrypoints.workers import (
    housekeeping,
    metadata_indexer,
    transcoder,
    upload_finalizer,
)
from videoshare.infra.cfn_stacks import STACKS_DIR
from videoshare.infra.cloudformation import EXPORT_PATH
from videoshare.infra.provision import provision_user_pool
from videoshare.infra.resources import Resources, resolve
from videoshare.infra.stack_outputs import resources_from_outputs
from videoshare.infra.topology import (
    HOUSEKEEPING,
    METADATA_INDEXER,
    NOTIFIER,
    TRANSCODER,
    UPLOAD_FINALIZER,
    topology,
)
from videoshare.settings import Settings

pytestmark = pytest.mark.integration

DATA_STACK = ROOT / EXPORT_PATH.parent / STACKS_DIR / "data.yaml"
INLINE_LIMIT = 51_200  # bytes of a TemplateBody


def _named(resources: Resources) -> Resources:
    """`resources` with each queue URL cut to account/name."""

    def cut(urls: dict[str, str]) -> dict[str, str]:
        return {k: "/".join(v.rsplit("/", 2)[-2:]) for k, v in urls.items()}

    return replace(
        resources, queue_urls=cut(resources.queue_urls), dlq_urls=cut(resources.dlq_urls)
    )


async def test_the_data_plane_stack_carries_an_upload_to_ready_and_restores_it_once_deleted(
    settings: Settings, aws: AwsClients, tmp_path: Path
) -> None:
    body = DATA_STACK.read_text(encoding="utf-8")
    assert len(body.encode()) < INLINE_LIMIT
    stack = await deploy(
        settings,
        f"{settings.stack}-data",
        body,
        {
            "Stack": settings.stack,
            "WebOrigin": settings.web_origin,
            "AlarmEmail": "",
            "NoncurrentVersionDays": "30",
        },
    )
    topo = topology(settings)
    # the emulator's gap as measured: were subscriptions made now, drop the workaround
    assert {r["Type"] for r in stack.template["Resources"].values()} >= set(SKIPPED_TYPES)
    topic = stack.outputs["TopicArn"]
    made = (await aws.sns.list_subscriptions_by_topic(TopicArn=topic))["Subscriptions"]
    assert not made, "the emulator's CloudFormation makes subscriptions now: see emulator_stack"
    await complete_skipped(aws, stack)

    # the identity stack's part (the emulator's CloudFormation has no user pool)
    pool_id, client_id = await provision_user_pool(aws, settings, topo)
    resources = resources_from_outputs(
        stack.outputs, topo, user_pool_id=pool_id, client_id=client_id
    )
    # what the stack's outputs name is what every process finds by name at start (a queue's
    # URL as CloudFormation gives it has AWS's host; the emulator answers GetQueueUrl with its
    # own: the same account and name, and botocore sends to its endpoint either way)
    assert _named(resources) == _named(await resolve(aws, settings))

    workers = {
        name: start_worker(name, define, settings, aws, resources)
        for name, define in (
            (UPLOAD_FINALIZER, upload_finalizer.definition),
            (TRANSCODER, transcoder.definition),
            (METADATA_INDEXER, metadata_indexer.definition),
            (HOUSEKEEPING, housekeeping.definition),
        )
    }
    clip = make_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=120)
    async with running_api(settings) as api, aiohttp.ClientSession() as http:
        user = await sign_up(api)
        created = await create_video(api, user, filename="clip.mp4", size_bytes=clip.stat().st_size)
        upload = created["upload"]
        async with http.put(
            upload["url"], data=clip.read_bytes(), headers=upload["headers"]
        ) as put:
            assert put.status == 200, await put.text()
        # the bucket's notification → finalizer → topic → (filter) transcoder → (filter) indexer
        for name in (UPLOAD_FINALIZER, TRANSCODER, METADATA_INDEXER):
            await workers[name].drain()

        async def ready() -> dict[str, str] | None:
            answer = await api.get(f"/v1/videos/{created['video']['id']}", headers=user.headers)
            video: dict[str, str] = await answer.json()
            return video if video["status"] in {"ready", "rejected", "failed"} else None

        video = await poll(ready, timeout_s=30, what="the video's end state")
        assert video["status"] == "ready", video

        # `video.ready` reached the notifier's queue through its filter, and not housekeeping's
        assert await _depths(aws, resources) == {NOTIFIER: 1, HOUSEKEEPING: 0}

        # point-in-time recovery into new tables, <Stack>-r1-<name> (the emulator copies the
        # items as they are now, whatever the time asked for)
        restored = settings.model_copy(update={"table_prefix": f"{settings.stack}-r1"})
        for table in topo.tables:
            await aws.dynamodb.restore_table_to_point_in_time(
                SourceTableName=settings.table(table.name),
                TargetTableName=restored.table(table.name),
                UseLatestRestorableTime=True,
            )

        deleted = await api.delete(f"/v1/videos/{video['id']}", headers=user.headers)
        assert deleted.status == 202, await deleted.text()
        await workers[HOUSEKEEPING].drain()

    # the services switched to the restored tables find the video as it was
    gone = await wire(settings, aws, resources).videos.get(video["id"])
    back = await wire(restored, aws, resources).videos.get(video["id"])
    assert gone is not None
    assert back is not None
    assert (gone.status, back.status) == (VideoStatus.DELETED, VideoStatus.READY)

    s3, bucket, prefix = aws.s3, resources.bucket, f"media/{video['id']}/"
    assert (await s3.list_objects_v2(Bucket=bucket, Prefix=prefix)).get("KeyCount") == 0
    versions = await s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    markers = {m["Key"]: m["VersionId"] for m in versions["DeleteMarkers"]}
    assert markers
    assert markers.keys() == {v["Key"] for v in versions["Versions"]}
    # the restore (docs/DEPLOY.md): delete an object's delete marker
    key, marker = sorted(markers.items())[0]
    await s3.delete_object(Bucket=bucket, Key=key, VersionId=marker)
    listed = await s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    assert [o["Key"] for o in listed["Contents"]] == [key]


async def _depths(aws: AwsClients, resources: Resources) -> dict[str, int]:
    """Messages waiting on the notifier's and housekeeping's queues."""
    depth = {}
    for name in (NOTIFIER, HOUSEKEEPING):
        attributes = await aws.sqs.get_queue_attributes(
            QueueUrl=resources.queue_urls[name], AttributeNames=["ApproximateNumberOfMessages"]
        )
        depth[name] = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
    return depth
