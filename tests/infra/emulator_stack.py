"""A stack deployed into the emulator's own CloudFormation (moto server), and what that
CloudFormation leaves out, applied afterwards from the same template.

Measured on moto 5.2.5 (its `cloudformation/parsing.py` warns "not supported" and skips the
resource; its models' `create_from_cloudformation_json` read only some properties):

    AWS::SNS::Subscription     skipped: no subscription, so no filter policy either
    AWS::SQS::QueuePolicy      skipped (moto does not enforce queue policies anyway)
    AWS::CloudWatch::Alarm     skipped (nothing to alarm on in the emulator)
    AWS::S3::Bucket            made, with BucketEncryption and Tags only: no notification,
                               CORS, versioning, lifecycle, public access block
    AWS::DynamoDB::Table       made with keys and indexes; TTL and point-in-time recovery off

`complete_skipped()` applies the subscriptions, queue policies, and the bucket's notification,
CORS and versioning with the API, each from the template's own properties, with every Ref and
GetAtt resolved through the stack's physical ids and outputs: the values under test are the
template's, only the hands that apply them are the test's. The alarms, the lifecycle rules, TTL
and point-in-time recovery stay unapplied: nothing in the emulator acts on them.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from videoshare.aws import AwsClients, session_for
from videoshare.aws import client_kwargs as aws_client_kwargs
from videoshare.settings import Settings

SKIPPED_TYPES = ("AWS::SNS::Subscription", "AWS::SQS::QueuePolicy", "AWS::CloudWatch::Alarm")
_SUB = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class DeployedStack:
    name: str
    template: dict[str, Any]
    parameters: dict[str, str]
    physical_ids: dict[str, str]  # logical id → physical id (Ref's value)
    outputs: dict[str, str]

    @property
    def account(self) -> str:
        return next(v for v in self.outputs.values() if v.startswith("arn:aws:")).split(":")[4]

    def resolve(self, node: Any) -> Any:
        """`node` with its intrinsics evaluated as CloudFormation would in this stack."""
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Ref"}:
            return self._name(node["Ref"])
        if set(node) == {"Fn::GetAtt"}:
            return self._name(".".join(node["Fn::GetAtt"]))
        if set(node) == {"Fn::Sub"}:
            assert isinstance(node["Fn::Sub"], str), node
            return _SUB.sub(lambda m: str(self._name(m.group(1))), node["Fn::Sub"])
        assert not any(k.startswith("Fn::") for k in node), f"not evaluated here: {node}"
        return {key: self.resolve(value) for key, value in node.items()}

    def _name(self, name: str) -> str:
        pseudo = {"AWS::Partition": "aws", "AWS::AccountId": self.account}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if "." in name:  # X.Attr: the stack outputs it as XAttr for the stacks beside it
            target, attribute = name.split(".", 1)
            return self.outputs[f"{target}{attribute}"]
        return self.physical_ids[name]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == kind}


@asynccontextmanager
async def cloudformation(settings: Settings) -> AsyncIterator[Any]:
    async with session_for(settings).client(
        "cloudformation", **aws_client_kwargs(settings, "cloudformation")
    ) as client:
        yield client


async def deploy(
    settings: Settings, name: str, body: str, parameters: Mapping[str, str], timeout_s: float = 60
) -> DeployedStack:
    """Create stack `name` from `body` (inline: it must be under 51,200 bytes) and wait for it."""
    import yaml

    async with cloudformation(settings) as cfn:
        await cfn.create_stack(
            StackName=name,
            TemplateBody=body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        )
        deadline = time.monotonic() + timeout_s
        while True:
            (stack,) = (await cfn.describe_stacks(StackName=name))["Stacks"]
            if not stack["StackStatus"].endswith("_IN_PROGRESS"):
                break
            assert time.monotonic() < deadline, f"stack {name} still {stack['StackStatus']}"
            await asyncio.sleep(0.2)
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack
        summaries = (await cfn.list_stack_resources(StackName=name))["StackResourceSummaries"]
    return DeployedStack(
        name=name,
        template=yaml.safe_load(body),
        parameters=dict(parameters),
        physical_ids={
            s["LogicalResourceId"]: s["PhysicalResourceId"]
            for s in summaries
            if s.get("PhysicalResourceId")
        },
        outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
    )


async def complete_skipped(aws: AwsClients, stack: DeployedStack) -> None:
    """Apply what the emulator's CloudFormation skipped (module docstring), from the template."""
    for sub in stack.of_type("AWS::SNS::Subscription").values():
        props = stack.resolve(sub["Properties"])
        await aws.sns.subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes={
                "RawMessageDelivery": str(props["RawMessageDelivery"]).lower(),
                "FilterPolicy": json.dumps(props["FilterPolicy"]),
                "FilterPolicyScope": props["FilterPolicyScope"],
            },
        )
    for policy in stack.of_type("AWS::SQS::QueuePolicy").values():
        props = stack.resolve(policy["Properties"])
        for url in props["Queues"]:
            document = json.dumps(props["PolicyDocument"])
            await aws.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
    for logical, bucket in stack.of_type("AWS::S3::Bucket").items():
        name, props = stack.physical_ids[logical], bucket["Properties"]
        await aws.s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
        )
        (cors,) = stack.resolve(props["CorsConfiguration"]["CorsRules"])
        rule: Any = {
            "AllowedOrigins": cors["AllowedOrigins"],
            "AllowedMethods": cors["AllowedMethods"],
            "AllowedHeaders": cors["AllowedHeaders"],
            "ExposeHeaders": cors["ExposedHeaders"],
            "MaxAgeSeconds": cors["MaxAge"],
        }
        await aws.s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [rule]})
        queues = stack.resolve(props["NotificationConfiguration"]["QueueConfigurations"])
        await aws.s3.put_bucket_notification_configuration(
            Bucket=name,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": q["Queue"],
                        "Events": [q["Event"]],
                        "Filter": {"Key": {"FilterRules": q["Filter"]["S3Key"]["Rules"]}},
                    }
                    for q in queues
                ]
            },
        )
