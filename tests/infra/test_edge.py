"""The edge: the `EdgeType` parameter puts an HTTP API (API Gateway, VPC link to the balancer's
HTTP listener) or the load balancer alone before the ingress; Route 53 names either."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.template_support import environment, of_type, target_of
from videoshare.entrypoints.http.client_address import client_address
from videoshare.infra.cfn import logical_id
from videoshare.infra.cloudformation import CONDITIONS, EDGE, RULES, nested, template

ON_API = "UseApiGateway"


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return template()


def test_a_parameter_chooses_the_edge_and_the_load_balancer_is_the_default(
    cfn: dict[str, Any],
) -> None:
    edge = cfn["Parameters"]["EdgeType"]
    assert edge["AllowedValues"] == ["LoadBalancer", "ApiGateway"]
    assert edge["Default"] == "LoadBalancer"
    assert CONDITIONS[ON_API] == {"Fn::Equals": [{"Ref": "EdgeType"}, "ApiGateway"]}


def test_the_http_api_reaches_the_balancer_s_listener_through_a_vpc_link(
    cfn: dict[str, Any],
) -> None:
    (api,) = of_type(cfn, "AWS::ApiGatewayV2::Api").values()
    assert (api["Condition"], api["Properties"]["ProtocolType"]) == (ON_API, "HTTP")
    (integration,) = of_type(cfn, "AWS::ApiGatewayV2::Integration").values()
    props = integration["Properties"]
    assert (props["ConnectionType"], props["IntegrationType"]) == ("VPC_LINK", "HTTP_PROXY")
    assert target_of(props["ConnectionId"]) == "VpcLink"
    assert target_of(props["IntegrationUri"]) == "HttpListener"
    assert props["TimeoutInMillis"] == 30_000  # API Gateway's ceiling: SSE reconnects
    (route,) = of_type(cfn, "AWS::ApiGatewayV2::Route").values()
    assert route["Properties"]["RouteKey"] == "$default"
    (stage,) = of_type(cfn, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["StageName"] == "$default"  # no stage in the ingress's paths
    for kind in ("VpcLink", "Integration", "Route", "Stage"):
        (made,) = of_type(cfn, f"AWS::ApiGatewayV2::{kind}").values()
        assert made["Condition"] == ON_API, kind


def test_behind_the_http_api_the_balancer_is_internal_and_only_the_link_reaches_it(
    cfn: dict[str, Any],
) -> None:
    balancer = cfn["Resources"]["LoadBalancer"]["Properties"]
    assert balancer["Scheme"] == {"Fn::If": [ON_API, "internal", "internet-facing"]}
    ingress = of_type(cfn, "AWS::EC2::SecurityGroupIngress")
    from_internet = [r for r in ingress.values() if r["Properties"].get("CidrIp") == "0.0.0.0/0"]
    assert {r["Condition"] for r in from_internet} == {"UseLoadBalancerEdge"}
    (from_link,) = [r for r in ingress.values() if "SourceSecurityGroupId" in r["Properties"]]
    assert from_link["Condition"] == ON_API
    assert target_of(from_link["Properties"]["SourceSecurityGroupId"]) == "VpcLinkSecurityGroup"


def test_route_53_names_either_edge(cfn: dict[str, Any]) -> None:
    (record,) = of_type(cfn, "AWS::Route53::RecordSet").values()
    assert record["Condition"] == "HasDnsRecord"
    condition, api, balancer = record["Properties"]["AliasTarget"]["Fn::If"]
    assert condition == ON_API
    assert target_of(api["DNSName"]) == "ApiDomainName"
    assert target_of(balancer["DNSName"]) == "LoadBalancer"
    (domain,) = of_type(cfn, "AWS::ApiGatewayV2::DomainName").values()
    assert domain["Condition"] == "ApiGatewayDomain"
    # a domain of its own for the HTTP API needs a certificate: refused before anything is made
    (rule,) = RULES.values()
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]
    }
    assert "Rules" in nested().root


def test_the_web_origin_follows_the_edge() -> None:
    stacks = nested()
    origin = stacks.template_of(EDGE)["Outputs"]["WebOrigin"]["Value"]
    has_domain, with_domain, otherwise = origin["Fn::If"]
    assert has_domain == "HasDomain"
    assert with_domain["Fn::Join"][1][1] == {"Ref": "DomainName"}
    on_api, api_endpoint, balancer = otherwise["Fn::If"]
    assert on_api == ON_API
    assert api_endpoint == {"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]}
    assert balancer["Fn::Join"][1][1] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}


def test_the_ingress_trusts_one_more_proxy_behind_the_http_api(cfn: dict[str, Any]) -> None:
    """The HTTP API appends the caller to X-Forwarded-For, the balancer then the VPC link's
    address: the caller is one entry further from the end (`client_address.py`)."""
    env = environment(cfn["Resources"][logical_id("ingress", "task")])
    assert env["VIDEOSHARE_TRUSTED_PROXY_HOPS"] == {"Fn::If": [ON_API, "2", "1"]}
    forged, caller, vpc_link = "198.51.100.66", "203.0.113.9", "10.0.1.7"
    for hops, chain in ((1, [forged, caller]), (2, [forged, caller, vpc_link])):
        assert client_address([", ".join(chain)], "10.0.0.2", hops) == caller
