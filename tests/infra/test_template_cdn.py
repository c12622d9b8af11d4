"""The template's CloudFront pieces (`infra/cfn_cdn.py`): origin access control, signed URLs
only (trusted key groups), a bucket that stays private, and the signing key's secret readable
by the ingress alone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.template_support import environment, of_type, target_of
from videoshare.infra.cfn import logical_id
from videoshare.infra.cfn_cdn import (
    DISTRIBUTION,
    KEY_GROUP,
    ORIGIN_ACCESS_CONTROL,
    PUBLIC_KEY,
    PUBLIC_KEY_PARAMETER,
    SECRET_PARAMETER,
)
from videoshare.infra.cfn_data import BUCKET
from videoshare.infra.cloudformation import template
from videoshare.infra.processes import processes


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return template()


def _distribution(cfn: dict[str, Any]) -> dict[str, Any]:
    (distribution,) = of_type(cfn, "AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = distribution["Properties"]["DistributionConfig"]
    return config


def test_the_distribution_reads_the_bucket_through_origin_access_control(
    cfn: dict[str, Any],
) -> None:
    (origin,) = _distribution(cfn)["Origins"]
    # by name, not by reference: the distribution is in the edge stack, and the data plane
    # (the bucket) already takes the web origin from there
    bucket_name = cfn["Resources"][BUCKET]["Properties"]["BucketName"]["Fn::Sub"]
    assert origin["DomainName"] == {"Fn::Sub": bucket_name + ".s3.${AWS::Region}.amazonaws.com"}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [ORIGIN_ACCESS_CONTROL, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy identity
    oac = cfn["Resources"][ORIGIN_ACCESS_CONTROL]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"]) == ("s3", "always")
    assert oac["SigningProtocol"] == "sigv4"


def test_every_behavior_serves_signed_urls_only_from_the_key_in_the_parameter(
    cfn: dict[str, Any],
) -> None:
    config = _distribution(cfn)
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    for behavior in behaviors:
        assert [target_of(g) for g in behavior["TrustedKeyGroups"]] == [KEY_GROUP]
        assert behavior["ViewerProtocolPolicy"] == "https-only"
        assert "TrustedSigners" not in behavior  # the legacy root-account key pairs
    (group,) = of_type(cfn, "AWS::CloudFront::KeyGroup").values()
    assert [target_of(k) for k in group["Properties"]["KeyGroupConfig"]["Items"]] == [PUBLIC_KEY]
    key = cfn["Resources"][PUBLIC_KEY]["Properties"]["PublicKeyConfig"]
    assert key["EncodedKey"] == {"Ref": PUBLIC_KEY_PARAMETER}
    assert "Default" not in cfn["Parameters"][PUBLIC_KEY_PARAMETER]


def test_only_the_download_filename_reaches_the_bucket(cfn: dict[str, Any]) -> None:
    (policy,) = of_type(cfn, "AWS::CloudFront::CachePolicy").values()
    forwarded = policy["Properties"]["CachePolicyConfig"][
        "ParametersInCacheKeyAndForwardedToOrigin"
    ]
    assert forwarded["QueryStringsConfig"] == {
        "QueryStringBehavior": "whitelist",
        "QueryStrings": ["response-content-disposition"],
    }
    assert forwarded["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert forwarded["CookiesConfig"] == {"CookieBehavior": "none"}


def test_the_bucket_stays_private_and_only_this_distribution_may_read_it(
    cfn: dict[str, Any],
) -> None:
    bucket = cfn["Resources"][BUCKET]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert "AccessControl" not in bucket
    (policy,) = of_type(cfn, "AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == bucket["BucketName"]  # by name: see above
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    resources = [r["Fn::Sub"] for r in statement["Resource"]]
    assert all(r.startswith("arn:${AWS::Partition}:s3:::${Stack}-media/") for r in resources)
    assert {r.rsplit("/", 1)[1] for r in resources} == {"*"}
    assert sorted(r.split("-media/", 1)[1] for r in resources) == ["media/*", "uploads/*"]
    source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]
    assert source[0]["Fn::Sub"].endswith(":distribution/")
    assert target_of(source[1]) == DISTRIBUTION


def test_the_ingress_alone_reads_the_signing_key_and_signs_for_the_distribution(
    cfn: dict[str, Any],
) -> None:
    for process in processes():
        role = cfn["Resources"][logical_id(process.name, "task-role")]["Properties"]
        statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        reading = [s for s in statements if str(s["Action"]).startswith("secretsmanager:")]
        env = environment(cfn["Resources"][logical_id(process.name, "task")])
        if process.is_worker:
            assert not reading, process.name
            assert not any(name.startswith("VIDEOSHARE_CDN_") for name in env)
            continue
        (statement,) = reading
        assert statement["Action"] == "secretsmanager:GetSecretValue"
        assert statement["Resource"] == {"Ref": SECRET_PARAMETER}
        assert env["VIDEOSHARE_CDN_DOMAIN"] == {"Fn::GetAtt": [DISTRIBUTION, "DomainName"]}
        assert env["VIDEOSHARE_CDN_KEY_PAIR_ID"] == {"Ref": PUBLIC_KEY}
        assert env["VIDEOSHARE_CDN_PRIVATE_KEY_SECRET_ARN"] == {"Ref": SECRET_PARAMETER}
