"""Small helpers for writing CloudFormation as Python data (intrinsics, logical ids, names)."""

from __future__ import annotations

from typing import Any

Json = Any
STACK = "Stack"  # the template parameter every resource name starts with (settings.stack)

# Logical ids and conditions more than one part of the template refers to.
USE_FARGATE = "UseFargate"
CLUSTER = "Cluster"
CAPACITY_PROVIDER = "Ec2CapacityProvider"
CAPACITY_ASSOCIATION = "ClusterCapacityProviders"
TASK_SECURITY_GROUP = "TaskSecurityGroup"
LOAD_BALANCER = "LoadBalancer"
TARGET_GROUP = "IngressTargetGroup"
HTTP_LISTENER = "HttpListener"
EXECUTION_ROLE = "TaskExecutionRole"
PLAYBACK_SECRET = "PlaybackSecret"  # noqa: S105 - a logical id, not a secret
USE_EC2 = "UseEc2"
HAS_CERTIFICATE = "HasCertificate"
NO_CERTIFICATE = "NoCertificate"
HAS_DOMAIN = "HasDomain"
HAS_DNS_RECORD = "HasDnsRecord"
ALB_SECURITY_GROUP = "LoadBalancerSecurityGroup"
USE_API_GATEWAY = "UseApiGateway"  # the `EdgeType` parameter: an HTTP API in front of the balancer
# The address people reach the service at: a value the edge stack decides (`cfn_entry.py`) and
# the others take (the bucket's CORS, the ingress's settings).
WEB_ORIGIN = "WebOrigin"


def ref(name: str) -> Json:
    return {"Ref": name}


def get_att(resource: str, attribute: str) -> Json:
    return {"Fn::GetAtt": [resource, attribute]}


def sub(text: str) -> Json:
    return {"Fn::Sub": text}


def if_(condition: str, then: Json, otherwise: Json) -> Json:
    return {"Fn::If": [condition, then, otherwise]}


NO_VALUE = ref("AWS::NoValue")


def named(suffix: str) -> Json:
    """A resource name as `Settings` derives it: `{stack}-{suffix}`."""
    return sub("${%s}-%s" % (STACK, suffix))  # noqa: UP031 - `${...}` is CloudFormation's


def logical_id(*words: str) -> str:
    """`("upload-finalizer", "dlq")` → `UploadFinalizerDlq`."""
    return "".join(
        part.capitalize() for word in words for part in word.replace("_", "-").split("-")
    )


def resource(kind: str, properties: dict[str, Json], **attributes: Json) -> dict[str, Json]:
    """One resource; `attributes` are resource attributes (Condition, DependsOn, ...)."""
    return {"Type": kind, **attributes, "Properties": properties}
