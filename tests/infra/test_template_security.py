"""What the template does for security and recovery (issue 13 item 7, issue 16 item 6): no
container takes the instance's role, each task role's object actions are scoped by key prefix,
only our own bucket may send to a queue, and deleted media stays restorable for a set time."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from tests.infra.template_support import environment, of_type, target_of
from videoshare.domain.keys import MEDIA_PREFIX, UPLOAD_PREFIX
from videoshare.infra.cfn import logical_id
from videoshare.infra.cloudformation import template
from videoshare.infra.processes import INGRESS, OWNER_MEDIA, processes
from videoshare.infra.topology import (
    HOUSEKEEPING,
    IMPORTER,
    TRANSCODER,
    UPLOAD_FINALIZER,
    VIDEOS_TABLE,
    topology,
)
from videoshare.infra.worker_catalog import worker_catalog
from videoshare.settings import Settings

WRITES = {"s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}
# what would let a process make a deletion unrecoverable, or change the bucket's rules
NEVER = {
    "s3:DeleteObjectVersion",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:*",
}


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return template()


def object_grants(cfn: dict[str, Any], process: str) -> dict[str, set[str]]:
    """key pattern under the bucket → the actions the process's role allows there."""
    role = cfn["Resources"][logical_id(process, "task-role")]["Properties"]
    grants: dict[str, set[str]] = {}
    for statement in role["Policies"][0]["PolicyDocument"]["Statement"]:
        resource = statement["Resource"]
        text = resource.get("Fn::Sub", "") if isinstance(resource, dict) else ""
        if text.startswith("arn:${AWS::Partition}:s3:::${Stack}-media/"):
            actions = statement["Action"]
            pattern = text.removeprefix("arn:${AWS::Partition}:s3:::${Stack}-media/")
            grants[pattern] = set([actions] if isinstance(actions, str) else actions)
    return grants


def test_containers_cannot_reach_the_instance_metadata(cfn: dict[str, Any]) -> None:
    (launch,) = of_type(cfn, "AWS::EC2::LaunchTemplate").values()
    options = launch["Properties"]["LaunchTemplateData"]["MetadataOptions"]
    # IMDSv2 only, one hop: the instance answers itself, not a container behind the bridge
    assert options["HttpTokens"] == "required"
    assert options["HttpPutResponseHopLimit"] == 1


def test_object_actions_are_scoped_by_key_prefix(cfn: dict[str, Any]) -> None:
    uploads, media = f"{UPLOAD_PREFIX}*", f"{MEDIA_PREFIX}*"
    owner_media = {f"{pattern}*" for pattern in OWNER_MEDIA}
    for process in processes():
        grants = object_grants(cfn, process.name)
        allowed = {uploads, media} | (owner_media if process.name == INGRESS else set())
        assert set(grants) <= allowed, f"{process.name}: {sorted(grants)}"
        assert not set().union(*grants.values(), set()) & NEVER, process.name
    # the ingress writes uploads (presigned); of media only what the owner sends (captions, a
    # chosen poster), never the transcoder's outputs
    ingress = object_grants(cfn, INGRESS)
    assert "s3:PutObject" in ingress[uploads]
    assert ingress[media] == {"s3:GetObject"}
    assert owner_media == {f"{MEDIA_PREFIX}*/captions/*", f"{MEDIA_PREFIX}*/poster-*"}
    assert all(ingress[p] == {"s3:PutObject", "s3:DeleteObject"} for p in owner_media)
    # the transcoder writes media and never deletes an upload
    transcoder = object_grants(cfn, TRANSCODER)
    assert transcoder[uploads] == {"s3:GetObject"}
    assert {"s3:PutObject", "s3:DeleteObject"} <= transcoder[media]
    # the upload-finalizer never touches media; housekeeping deletes (markers) in both
    assert set(object_grants(cfn, UPLOAD_FINALIZER)) == {uploads}
    housekeeping = object_grants(cfn, HOUSEKEEPING)
    assert all("s3:DeleteObject" in housekeeping[p] for p in (uploads, media))
    # the importer writes the source it fetched (in parts), nothing else
    assert object_grants(cfn, IMPORTER) == {uploads: {"s3:PutObject", "s3:AbortMultipartUpload"}}
    # the workers that act on no object have no grant on any
    for process in processes():
        if process.name not in {INGRESS, TRANSCODER, UPLOAD_FINALIZER, HOUSEKEEPING, IMPORTER}:
            assert not object_grants(cfn, process.name), process.name


def test_each_worker_s_object_grants_are_what_the_worker_catalog_says(
    cfn: dict[str, Any],
) -> None:
    for worker in worker_catalog()["workers"]:
        declared = {f"{prefix}*": set(actions) for prefix, actions in worker["objects"].items()}
        assert object_grants(cfn, worker["name"]) == declared, worker["name"]


def test_only_our_account_s_bucket_may_send_to_a_queue(cfn: dict[str, Any]) -> None:
    policies = of_type(cfn, "AWS::SQS::QueuePolicy")
    assert policies
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        (bucket,) = [s for s in statements if s["Principal"] == {"Service": "s3.amazonaws.com"}]
        assert bucket["Condition"]["StringEquals"] == {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"}
        }
        assert "aws:SourceArn" in bucket["Condition"]["ArnLike"]


def test_deleted_media_stays_restorable_for_a_set_time(cfn: dict[str, Any]) -> None:
    (bucket,) = of_type(cfn, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    noncurrent = rules["expire-noncurrent-versions"]
    assert noncurrent["Status"] == "Enabled"
    assert target_of(noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"]) == (
        "NoncurrentVersionDays"
    )
    assert noncurrent["ExpiredObjectDeleteMarker"] is True
    assert cfn["Parameters"]["NoncurrentVersionDays"]["Default"] >= 1
    assert bucket["DeletionPolicy"] == "Retain"
    # the app's delete path only adds delete markers: housekeeping may delete objects, and
    # nobody may delete a version (test_object_actions_are_scoped_by_key_prefix)
    assert "s3:DeleteObject" in object_grants(cfn, HOUSEKEEPING)[f"{MEDIA_PREFIX}*"]
    for table in of_type(cfn, "AWS::DynamoDB::Table").values():
        recovery = table["Properties"]["PointInTimeRecoverySpecification"]
        assert recovery == {"PointInTimeRecoveryEnabled": True}


def test_after_a_restore_the_services_switch_to_the_restored_tables(cfn: dict[str, Any]) -> None:
    """docs/DEPLOY.md restores into <Stack>-<label>-<name> and deploys with RestoredTables:
    every process then reads those (VIDEOSHARE_TABLE_PREFIX), and its role covers them."""
    assert cfn["Parameters"]["RestoredTables"]["Default"] == ""
    settings = Settings(stack="prod", table_prefix="prod-r1")
    assert settings.table(VIDEOS_TABLE) == "prod-r1-videos"
    assert Settings(stack="prod").table(VIDEOS_TABLE) == "prod-videos"
    for process in processes():
        env = environment(cfn["Resources"][logical_id(process.name, "task")])
        condition, restored, own = env["VIDEOSHARE_TABLE_PREFIX"]["Fn::If"]
        assert (condition, restored, own) == (
            "UseRestoredTables",
            {"Fn::Sub": "${Stack}-${RestoredTables}"},
            {"Ref": "Stack"},
        )
        role = cfn["Resources"][logical_id(process.name, "task-role")]["Properties"]
        (tables,) = [
            s for s in role["Policies"][0]["PolicyDocument"]["Statement"] if s["Sid"] == "Tables"
        ]
        patterns = [
            r["Fn::Sub"].split(":table/", 1)[1].replace("${Stack}", "prod")
            for r in tables["Resource"]
        ]
        for name in process.tables:
            for table in (f"prod-{name}", f"prod-r1-{name}"):
                assert any(fnmatch.fnmatchcase(table, p) for p in patterns), (process.name, table)
        others = {t.name for t in topology(Settings()).tables} - set(process.tables)
        for name in others:
            assert not any(fnmatch.fnmatchcase(f"prod-{name}", p) for p in patterns), name
