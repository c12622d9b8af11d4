"""The CloudFormation template: current, clean under cfn-lint, and complete for production."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.support import ROOT, parse_command, unknown_variables
from tests.infra.template_support import environment, of_type, target_of
from videoshare.infra.cfn import logical_id
from videoshare.infra.cfn_stacks import STACKS_DIR
from videoshare.infra.cloudformation import EXPORT_PATH, exported_files, template
from videoshare.infra.processes import processes
from videoshare.infra.topology import topology
from videoshare.settings import Settings

# What every container needs on AWS, and what the ingress and the workers need besides.
EVERY_PROCESS = {
    "VIDEOSHARE_MODE",
    "VIDEOSHARE_STACK",
    "AWS_REGION",
    "VIDEOSHARE_COGNITO_USER_POOL_ID",
    "VIDEOSHARE_COGNITO_CLIENT_ID",
}
INGRESS = {
    "VIDEOSHARE_API_HOST",
    "VIDEOSHARE_API_PORT",
    "VIDEOSHARE_WEB_ORIGIN",
    "VIDEOSHARE_PUBLIC_BASE_URL",
    "VIDEOSHARE_PLAYBACK_SECRET",
    "VIDEOSHARE_MEDIA_ORIGIN",
    "VIDEOSHARE_TRUSTED_PROXY_HOPS",
    "VIDEOSHARE_CDN_DOMAIN",
    "VIDEOSHARE_CDN_KEY_PAIR_ID",
    "VIDEOSHARE_CDN_PRIVATE_KEY_SECRET_ARN",
}
WORKER = {"VIDEOSHARE_HEALTH_HOST", "VIDEOSHARE_HEALTH_PORT"}
# cfn-lint's own command line (its console script), run by this interpreter
CFN_LINT = [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())"]


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return template()


def test_the_exported_stacks_are_current() -> None:
    files = exported_files()
    for path, text in files.items():
        exported = ROOT / path
        assert exported.exists(), f"run `make infra` to write {path}"
        assert exported.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `make infra` and commit the result"
        )
    on_disk = set((ROOT / EXPORT_PATH.parent / STACKS_DIR).glob("*.yaml"))
    assert on_disk == {ROOT / p for p in files if p != EXPORT_PATH}, "a stack nobody writes"


def test_cfn_lint_passes_on_the_root_and_every_stack(tmp_path: Path) -> None:
    paths = []
    for path, text in exported_files(tmp_path / EXPORT_PATH).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    lint = subprocess.run(
        [*CFN_LINT, "--regions", "us-east-1", "eu-west-1", "--", *paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert lint.returncode == 0, f"cfn-lint:\n{lint.stdout}{lint.stderr}"


def test_one_service_and_task_definition_per_process_running_its_command(
    cfn: dict[str, Any],
) -> None:
    services = of_type(cfn, "AWS::ECS::Service")
    tasks = of_type(cfn, "AWS::ECS::TaskDefinition")
    assert len(services) == len(tasks) == len(processes())
    for process in processes():
        task = tasks[logical_id(process.name, "task")]
        (container,) = task["Properties"]["ContainerDefinitions"]
        assert parse_command(container["Command"])[0] in {"api", "worker"}
        assert tuple(container["Command"]) == process.command
        assert container["HealthCheck"]["Command"] == ["CMD", "videoshare", "healthcheck"]
        service = services[logical_id(process.name, "service")]["Properties"]
        assert target_of(service["TaskDefinition"]) == logical_id(process.name, "task")
    workers = {c.consumer for c in topology(Settings()).consumers}
    assert workers == {p.name for p in processes() if p.is_worker}


def test_every_variable_is_a_real_setting_and_production_gets_what_it_needs(
    cfn: dict[str, Any],
) -> None:
    for process in processes():
        env = environment(cfn["Resources"][logical_id(process.name, "task")])
        assert not unknown_variables(env), process.name
        needed = EVERY_PROCESS | (WORKER if process.is_worker else INGRESS)
        assert needed <= set(env), f"{process.name} lacks {sorted(needed - set(env))}"
        assert env["VIDEOSHARE_MODE"] == "aws"
        port = "VIDEOSHARE_HEALTH_PORT" if process.is_worker else "VIDEOSHARE_API_PORT"
        assert int(env[port]) == process.port


def test_settings_accept_the_plain_values_the_template_sets(cfn: dict[str, Any]) -> None:
    for process in processes():
        env = environment(cfn["Resources"][logical_id(process.name, "task")])
        plain = {k: v for k, v in env.items() if isinstance(v, str)}
        fields = {
            name: plain[f"VIDEOSHARE_{name.upper()}"]
            for name in Settings.model_fields
            if f"VIDEOSHARE_{name.upper()}" in plain
        }
        settings = Settings(**fields, playback_secret="from-secrets-manager")  # type: ignore[arg-type]
        assert not settings.is_local
        settings.playback_key()  # outside local mode it must be there


def test_ec2_by_default_fargate_as_a_parameter(cfn: dict[str, Any]) -> None:
    assert cfn["Parameters"]["LaunchType"]["Default"] == "EC2"
    assert of_type(cfn, "AWS::AutoScaling::AutoScalingGroup")
    (provider,) = of_type(cfn, "AWS::ECS::CapacityProvider").values()
    assert provider["Condition"] == "UseEc2"
    for service in of_type(cfn, "AWS::ECS::Service").values():
        strategy = service["Properties"]["CapacityProviderStrategy"]["Fn::If"]
        assert strategy[0] == "UseFargate"
        assert strategy[1][0]["CapacityProvider"] == "FARGATE"


def test_each_worker_scales_on_its_own_queue_backlog_per_task(cfn: dict[str, Any]) -> None:
    policies = of_type(cfn, "AWS::ApplicationAutoScaling::ScalingPolicy")
    targets = of_type(cfn, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert len(targets) == len(policies) == len(processes())
    for process in processes():
        policy = policies[logical_id(process.name, "scaling-policy")]["Properties"]
        tracking = policy["TargetTrackingScalingPolicyConfiguration"]
        if not process.is_worker:
            assert "PredefinedMetricSpecification" in tracking
            continue
        metrics = {m["Id"]: m for m in tracking["CustomizedMetricSpecification"]["Metrics"]}
        assert metrics["backlog_per_task"]["Expression"] == "visible / tasks"
        (queue,) = metrics["visible"]["MetricStat"]["Metric"]["Dimensions"]
        assert target_of(queue["Value"]) == logical_id(process.name, "queue")
        assert metrics["tasks"]["MetricStat"]["Metric"]["MetricName"] == "RunningTaskCount"
        assert tracking["TargetValue"] == process.target


def test_every_dead_letter_queue_has_an_alarm(cfn: dict[str, Any]) -> None:
    alarms = of_type(cfn, "AWS::CloudWatch::Alarm").values()
    watched = {target_of(a["Properties"]["Dimensions"][0]["Value"]) for a in alarms}
    dlqs = {logical_id(c.consumer, "dlq") for c in topology(Settings()).consumers}
    assert watched == dlqs


def test_a_worker_consumes_only_its_own_queue(cfn: dict[str, Any]) -> None:
    for process in processes():
        role = cfn["Resources"][logical_id(process.name, "task-role")]["Properties"]
        statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        receiving = [
            s
            for s in statements
            if "sqs:ReceiveMessage" in s["Action"] or "sqs:DeleteMessage" in s["Action"]
        ]
        if not process.is_worker:
            assert not receiving
            continue
        (own,) = receiving
        assert target_of(own["Resource"]) == logical_id(process.name, "queue")
        assert all(s["Resource"] != "*" or s["Action"] == "sns:ListTopics" for s in statements)


def test_the_bucket_notifies_aborts_stale_multipart_uploads_and_allows_the_origin(
    cfn: dict[str, Any],
) -> None:
    (bucket,) = of_type(cfn, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    abort = rules["abort-incomplete-multipart-uploads"]
    assert abort["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    (notification,) = props["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert target_of(notification["Queue"]) == logical_id("upload-finalizer", "queue")
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert "PUT" in cors["AllowedMethods"]
    assert "ETag" in cors["ExposedHeaders"]


def test_tables_keep_point_in_time_recovery(cfn: dict[str, Any]) -> None:
    tables = of_type(cfn, "AWS::DynamoDB::Table")
    assert len(tables) == len(topology(Settings()).tables)
    for table in tables.values():
        spec = table["Properties"]["PointInTimeRecoverySpecification"]
        assert spec == {"PointInTimeRecoveryEnabled": True}
        assert table["DeletionPolicy"] == "Retain"


def test_the_ingress_is_behind_the_load_balancer_and_dns_is_optional(
    cfn: dict[str, Any],
) -> None:
    balancer = cfn["Resources"]["LoadBalancer"]["Properties"]
    assert balancer["Name"] == {"Ref": "Stack"}  # a lower-case DNS name: a usable origin
    assert cfn["Parameters"]["Stack"]["AllowedPattern"] == "^[a-z][a-z0-9-]{1,30}$"
    ingress = cfn["Resources"][logical_id("ingress", "service")]["Properties"]
    (balanced,) = ingress["LoadBalancers"]
    assert target_of(balanced["TargetGroupArn"]) == "IngressTargetGroup"
    (record,) = of_type(cfn, "AWS::Route53::RecordSet").values()
    assert record["Condition"] == "HasDnsRecord"
    (https,) = [
        r
        for r in of_type(cfn, "AWS::ElasticLoadBalancingV2::Listener").values()
        if "Condition" in r
    ]
    assert https["Condition"] == "HttpsOnLoadBalancer"
    hidden = of_type(cfn, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert {r["Condition"] for r in hidden} == {"HttpsOnLoadBalancer", "PlainHttpOnLoadBalancer"}
    for rule in hidden:
        assert rule["Properties"]["Conditions"][0]["Values"] == ["/metrics"]
    (pool,) = of_type(cfn, "AWS::Cognito::UserPool").values()
    assert pool["Properties"]["UsernameAttributes"] == ["email"]
    assert of_type(cfn, "AWS::Cognito::UserPoolClient")


def test_the_media_origin_is_where_presigned_urls_point_on_aws(cfn: dict[str, Any]) -> None:
    """The web app's CSP allows `VIDEOSHARE_MEDIA_ORIGIN`; the URLs must start there."""
    import boto3

    from videoshare.aws import client_kwargs

    settings = Settings(mode="aws", stack="deployed", aws_region="eu-west-1")
    s3 = boto3.client(
        "s3",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-secret",
        **client_kwargs(settings, "s3"),
    )
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": settings.bucket, "Key": "uploads/x"}, ExpiresIn=60
    )
    env = environment(cfn["Resources"][logical_id("ingress", "task")])
    origin = env["VIDEOSHARE_MEDIA_ORIGIN"]["Fn::Sub"].replace("${Stack}", settings.stack)
    assert url.startswith(origin + "/")
