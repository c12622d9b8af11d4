"""The edge stack, how requests get in. The `EdgeType` parameter chooses:

    LoadBalancer   the Application Load Balancer faces the internet (HTTPS when a certificate
                   is given, HTTP redirected to it)
    ApiGateway     an HTTP API (API Gateway) faces the internet; its VPC link reaches the same
                   balancer, now internal, through its HTTP listener (30 s per request)

Route 53 names either (`DomainName` + `HostedZoneId`), and the web origin follows from them: a
value (`WEB_ORIGIN`) the other stacks take. docs/DEPLOY.md says which edge to choose.

A CDN in front of the media belongs here too, as resources of this stack. The data plane takes
the web origin from this stack, so refer to the bucket by its name (`cfn_data.bucket_arn()`,
`${Stack}-media`), not by a Ref or GetAtt of `MediaBucket`: that would make the two stacks wait
on each other. The bucket policy that lets the CDN read belongs here then, beside it.
"""

from __future__ import annotations

from videoshare.infra.cfn import (
    ALB_SECURITY_GROUP,
    HAS_CERTIFICATE,
    HAS_DNS_RECORD,
    HAS_DOMAIN,
    HTTP_LISTENER,
    LOAD_BALANCER,
    STACK,
    TARGET_GROUP,
    USE_API_GATEWAY,
    USE_FARGATE,
    WEB_ORIGIN,
    Json,
    get_att,
    if_,
    named,
    ref,
    resource,
    sub,
)
from videoshare.infra.processes import API_PORT

# Conditions of this stack's own (cloudformation.py defines them).
HTTPS_ON_BALANCER = "HttpsOnLoadBalancer"  # a certificate, and the balancer faces the internet
PLAIN_BALANCER = "PlainHttpOnLoadBalancer"  # its HTTP listener forwards (no redirect)
USE_LOAD_BALANCER = "UseLoadBalancerEdge"
API_DOMAIN = "ApiGatewayDomain"
HTTP_API = "HttpApi"
VPC_LINK = "VpcLink"
VPC_LINK_SECURITY_GROUP = "VpcLinkSecurityGroup"
API_DOMAIN_NAME = "ApiDomainName"
# API Gateway's ceiling for an integration: a longer request (the events stream) is cut here
# and reconnects (docs/DEPLOY.md)
INTEGRATION_TIMEOUT_MS = 30_000


def entry_resources() -> dict[str, Json]:
    return {**_security_groups(), **_load_balancer(), **_http_api(), **_dns_record()}


def entry_values() -> dict[str, Json]:
    return {WEB_ORIGIN: web_origin()}


def _security_groups() -> dict[str, Json]:
    on_api = {"Condition": USE_API_GATEWAY}
    return {
        ALB_SECURITY_GROUP: resource(
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": sub("${%s} load balancer" % STACK),  # noqa: UP031
                "VpcId": ref("VpcId"),
            },
        ),
        # the internet reaches the balancer only when it is the edge
        **{
            f"LoadBalancerFromInternet{port}": resource(
                "AWS::EC2::SecurityGroupIngress",
                {
                    "GroupId": ref(ALB_SECURITY_GROUP),
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "CidrIp": "0.0.0.0/0",
                },
                Condition=USE_LOAD_BALANCER,
            )
            for port in (80, 443)
        },
        VPC_LINK_SECURITY_GROUP: resource(
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": sub("${%s} API Gateway VPC link" % STACK),  # noqa: UP031
                "VpcId": ref("VpcId"),
            },
            **on_api,
        ),
        # behind API Gateway, only its VPC link reaches the balancer (HTTP, inside the VPC)
        "LoadBalancerFromVpcLink": resource(
            "AWS::EC2::SecurityGroupIngress",
            {
                "GroupId": ref(ALB_SECURITY_GROUP),
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "SourceSecurityGroupId": ref(VPC_LINK_SECURITY_GROUP),
            },
            **on_api,
        ),
    }


def _http_api() -> dict[str, Json]:
    on_api = {"Condition": USE_API_GATEWAY}
    return {
        VPC_LINK: resource(
            "AWS::ApiGatewayV2::VpcLink",
            {
                "Name": named("edge"),
                "SubnetIds": ref("SubnetIds"),
                "SecurityGroupIds": [ref(VPC_LINK_SECURITY_GROUP)],
            },
            **on_api,
        ),
        HTTP_API: resource(
            "AWS::ApiGatewayV2::Api",
            {
                "Name": named("api"),
                "ProtocolType": "HTTP",
                # with a domain of its own, the API answers only there
                "DisableExecuteApiEndpoint": if_(API_DOMAIN, True, False),
            },
            **on_api,
        ),
        "HttpApiIntegration": resource(
            "AWS::ApiGatewayV2::Integration",
            {
                "ApiId": ref(HTTP_API),
                "IntegrationType": "HTTP_PROXY",
                "IntegrationMethod": "ANY",
                "IntegrationUri": ref(HTTP_LISTENER),
                "ConnectionType": "VPC_LINK",
                "ConnectionId": ref(VPC_LINK),
                "PayloadFormatVersion": "1.0",
                "TimeoutInMillis": INTEGRATION_TIMEOUT_MS,
            },
            **on_api,
        ),
        "HttpApiRoute": resource(
            "AWS::ApiGatewayV2::Route",
            {
                "ApiId": ref(HTTP_API),
                "RouteKey": "$default",
                "Target": sub("integrations/${HttpApiIntegration}"),
            },
            **on_api,
        ),
        "HttpApiStage": resource(
            "AWS::ApiGatewayV2::Stage",
            {
                "ApiId": ref(HTTP_API),
                "StageName": "$default",  # no stage name in paths: the ingress's own routes
                "AutoDeploy": True,
            },
            **on_api,
        ),
        API_DOMAIN_NAME: resource(
            "AWS::ApiGatewayV2::DomainName",
            {
                "DomainName": ref("DomainName"),
                "DomainNameConfigurations": [
                    {
                        "CertificateArn": ref("CertificateArn"),
                        "EndpointType": "REGIONAL",
                        "SecurityPolicy": "TLS_1_2",
                    }
                ],
            },
            Condition=API_DOMAIN,
        ),
        "ApiMapping": resource(
            "AWS::ApiGatewayV2::ApiMapping",
            {
                "ApiId": ref(HTTP_API),
                "DomainName": ref(API_DOMAIN_NAME),
                "Stage": ref("HttpApiStage"),
            },
            Condition=API_DOMAIN,
        ),
    }


def _dns_record() -> dict[str, Json]:
    return {
        "DnsRecord": resource(
            "AWS::Route53::RecordSet",
            {
                "HostedZoneId": ref("HostedZoneId"),
                "Name": ref("DomainName"),
                "Type": "A",
                "AliasTarget": if_(
                    USE_API_GATEWAY,
                    {
                        "DNSName": get_att(API_DOMAIN_NAME, "RegionalDomainName"),
                        "HostedZoneId": get_att(API_DOMAIN_NAME, "RegionalHostedZoneId"),
                    },
                    {
                        "DNSName": get_att(LOAD_BALANCER, "DNSName"),
                        "HostedZoneId": get_att(LOAD_BALANCER, "CanonicalHostedZoneID"),
                    },
                ),
            },
            Condition=HAS_DNS_RECORD,
        ),
    }


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
                # behind API Gateway only its VPC link, inside the VPC, reaches it
                "Scheme": if_(USE_API_GATEWAY, "internal", "internet-facing"),
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
                "DefaultActions": if_(HTTPS_ON_BALANCER, redirect, forward),
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
            Condition=HTTPS_ON_BALANCER,
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
                (HTTP_LISTENER, PLAIN_BALANCER),
                ("HttpsListener", HTTPS_ON_BALANCER),
            )
        },
    }


def web_origin() -> Json:
    """Where people reach the service: the domain when there is one, else the HTTP API's own
    endpoint (always HTTPS) or the load balancer's name. With a domain, API Gateway needs the
    certificate (the root template's rule), so HTTPS follows from the certificate alone."""
    scheme = if_(HAS_CERTIFICATE, "https://", "http://")
    return if_(
        HAS_DOMAIN,
        {"Fn::Join": ["", [scheme, ref("DomainName")]]},
        if_(
            USE_API_GATEWAY,
            get_att(HTTP_API, "ApiEndpoint"),
            {"Fn::Join": ["", [scheme, get_att(LOAD_BALANCER, "DNSName")]]},
        ),
    )
