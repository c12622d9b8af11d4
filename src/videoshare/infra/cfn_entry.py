"""How requests get in: the Application Load Balancer in front of the ingress (HTTPS when a
certificate is given), the optional Route 53 record, and the web origin that follows from them.
"""

from __future__ import annotations

from videoshare.infra.cfn import (
    ALB_SECURITY_GROUP,
    HAS_CERTIFICATE,
    HAS_DNS_RECORD,
    HAS_DOMAIN,
    HTTP_LISTENER,
    LOAD_BALANCER,
    NO_CERTIFICATE,
    STACK,
    TARGET_GROUP,
    USE_FARGATE,
    Json,
    get_att,
    if_,
    ref,
    resource,
)
from videoshare.infra.processes import API_PORT


def entry_resources() -> dict[str, Json]:
    return _load_balancer()


def _load_balancer() -> dict[str, Json]:
    forward = [{"Type": "forward", "TargetGroupArn": ref(TARGET_GROUP)}]
    redirect = [
        {
            "Type": "redirect",
            "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
        }
    ]
    return {
        LOAD_BALANCER: resource(
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            {
                # named by the (lower-case) stack: its DNS name, the default web origin, is then
                # lower-case too, as browsers send it in Origin (CORS compares exactly)
                "Name": ref(STACK),
                "Scheme": "internet-facing",
                "Type": "application",
                "Subnets": ref("SubnetIds"),
                "SecurityGroups": [ref(ALB_SECURITY_GROUP)],
                # server-sent events send a comment every 15 s; 60 s idle is plenty
                "LoadBalancerAttributes": [
                    {"Key": "idle_timeout.timeout_seconds", "Value": "60"},
                    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                ],
            },
        ),
        TARGET_GROUP: resource(
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            {
                "VpcId": ref("VpcId"),
                "Protocol": "HTTP",
                "Port": API_PORT,
                "TargetType": if_(USE_FARGATE, "ip", "instance"),
                "HealthCheckPath": "/healthz",
                "Matcher": {"HttpCode": "200"},
                "HealthCheckIntervalSeconds": 15,
                "HealthyThresholdCount": 2,
                "TargetGroupAttributes": [
                    {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}
                ],
            },
        ),
        HTTP_LISTENER: resource(
            "AWS::ElasticLoadBalancingV2::Listener",
            {
                "LoadBalancerArn": ref(LOAD_BALANCER),
                "Port": 80,
                "Protocol": "HTTP",
                "DefaultActions": if_(HAS_CERTIFICATE, redirect, forward),
            },
        ),
        "HttpsListener": resource(
            "AWS::ElasticLoadBalancingV2::Listener",
            {
                "LoadBalancerArn": ref(LOAD_BALANCER),
                "Port": 443,
                "Protocol": "HTTPS",
                "Certificates": [{"CertificateArn": ref("CertificateArn")}],
                "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "DefaultActions": forward,
            },
            Condition=HAS_CERTIFICATE,
        ),
        "DnsRecord": resource(
            "AWS::Route53::RecordSet",
            {
                "HostedZoneId": ref("HostedZoneId"),
                "Name": ref("DomainName"),
                "Type": "A",
                "AliasTarget": {
                    "DNSName": get_att(LOAD_BALANCER, "DNSName"),
                    "HostedZoneId": get_att(LOAD_BALANCER, "CanonicalHostedZoneID"),
                },
            },
            Condition=HAS_DNS_RECORD,
        ),
        # /metrics is for whoever scrapes inside the network, not for the internet
        **{
            f"HideMetrics{listener}": resource(
                "AWS::ElasticLoadBalancingV2::ListenerRule",
                {
                    "ListenerArn": ref(listener),
                    "Priority": 1,
                    "Conditions": [{"Field": "path-pattern", "Values": ["/metrics"]}],
                    "Actions": [
                        {
                            "Type": "fixed-response",
                            "FixedResponseConfig": {"StatusCode": "404"},
                        }
                    ],
                },
                Condition=condition,
            )
            for listener, condition in (
                (HTTP_LISTENER, NO_CERTIFICATE),
                ("HttpsListener", HAS_CERTIFICATE),
            )
        },
    }


def web_origin() -> Json:
    """Where people reach the service: the domain when there is one, else the load balancer."""
    host = if_(HAS_DOMAIN, ref("DomainName"), get_att(LOAD_BALANCER, "DNSName"))
    return {
        "Fn::Join": ["", [if_(HAS_CERTIFICATE, "https://", "http://"), host]],
    }
