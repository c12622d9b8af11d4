"""Media through CloudFront, self-contained so it can move into a stack of its own (an `edge`
nested stack takes `cdn_resources` and `CDN_PARAMETERS`; the compute stack takes
`cdn_environment` and `cdn_secret_statement` for the ingress):

    CDN_PARAMETERS          the signing key's public half (PEM) and the Secrets Manager secret
                            that holds its private half (made by hand: docs/DEPLOY.md)
    cdn_resources()         the public key and its key group, the origin access control, the
                            cache and CORS policies, the distribution (every behavior trusts only
                            the key group: nothing is served unsigned), and the bucket policy
                            that lets only this distribution read (`AWS:SourceArn`)
    cdn_environment()       the ingress's VIDEOSHARE_CDN_* settings
    cdn_secret_statement()  the ingress task role's `secretsmanager:GetSecretValue` on that one
                            secret

The bucket stays private: its public access block is untouched, and CloudFront reads through
origin access control (SigV4-signed requests), never a public ACL or policy. These resources
live in the edge stack and name the bucket (`{Stack}-media`) rather than refer to it: the data
plane already takes the web origin from the edge, and a reference back would be a cycle.
"""

from __future__ import annotations

from videoshare.infra.cfn import STACK, Json, get_att, named, ref, resource, sub
from videoshare.infra.cfn_data import BUCKET_SUFFIX

PUBLIC_KEY_PARAMETER = "CdnPublicKeyPem"
SECRET_PARAMETER = "CdnPrivateKeySecretArn"  # noqa: S105 - a parameter's name
PUBLIC_KEY = "MediaSigningPublicKey"
KEY_GROUP = "MediaSigningKeyGroup"
ORIGIN_ACCESS_CONTROL = "MediaOriginAccessControl"
CACHE_POLICY = "MediaCachePolicy"
CORS_POLICY = "MediaCorsPolicy"
DISTRIBUTION = "MediaDistribution"
BUCKET_POLICY = "MediaBucketPolicy"
_ORIGIN = "media-bucket"
# The one query parameter that reaches S3 (and keys the cache): a download's filename. The
# signature's own (Policy, Signature, Key-Pair-Id) stay at the edge.
FORWARDED_QUERY = ("response-content-disposition",)
# The folders CloudFront may read: media, and the originals their owners download.
READABLE_PREFIXES = ("media/", "uploads/")

CDN_PARAMETERS: dict[str, Json] = {
    PUBLIC_KEY_PARAMETER: {
        "Type": "String",
        "AllowedPattern": "^-----BEGIN PUBLIC KEY-----[\\s\\S]+-----END PUBLIC KEY-----\\s*$",
        "Description": (
            "The public half of the RSA key pair that signs media URLs, PEM "
            "(docs/DEPLOY.md: making the key pair)"
        ),
    },
    SECRET_PARAMETER: {
        "Type": "String",
        "AllowedPattern": "^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$",
        "Description": "ARN of the Secrets Manager secret holding the private half, PEM",
    },
}


def cdn_resources(web_origin: Json) -> dict[str, Json]:
    """The distribution in front of the media bucket, its key group, and the bucket policy."""
    return {
        PUBLIC_KEY: resource(
            "AWS::CloudFront::PublicKey",
            {
                "PublicKeyConfig": {
                    "Name": named("media-signing-key"),
                    "CallerReference": named("media-signing-key"),
                    "EncodedKey": ref(PUBLIC_KEY_PARAMETER),
                    "Comment": "Verifies the ingress's signed media URLs",
                }
            },
        ),
        KEY_GROUP: resource(
            "AWS::CloudFront::KeyGroup",
            {"KeyGroupConfig": {"Name": named("media-signers"), "Items": [ref(PUBLIC_KEY)]}},
        ),
        ORIGIN_ACCESS_CONTROL: resource(
            "AWS::CloudFront::OriginAccessControl",
            {
                "OriginAccessControlConfig": {
                    "Name": named("media"),
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        ),
        CACHE_POLICY: resource(
            "AWS::CloudFront::CachePolicy",
            {
                "CachePolicyConfig": {
                    "Name": named("media"),
                    # objects under a video's folder never change once written
                    "DefaultTTL": 86400,
                    "MaxTTL": 31536000,
                    "MinTTL": 0,
                    "ParametersInCacheKeyAndForwardedToOrigin": {
                        "EnableAcceptEncodingGzip": False,
                        "EnableAcceptEncodingBrotli": False,
                        "HeadersConfig": {"HeaderBehavior": "none"},
                        "CookiesConfig": {"CookieBehavior": "none"},
                        "QueryStringsConfig": {
                            "QueryStringBehavior": "whitelist",
                            "QueryStrings": list(FORWARDED_QUERY),
                        },
                    },
                }
            },
        ),
        CORS_POLICY: resource(
            "AWS::CloudFront::ResponseHeadersPolicy",
            {
                "ResponseHeadersPolicyConfig": {
                    "Name": named("media-cors"),
                    # hls.js fetches segments from the web app's origin
                    "CorsConfig": {
                        "AccessControlAllowCredentials": False,
                        "AccessControlAllowHeaders": {"Items": ["*"]},
                        "AccessControlAllowMethods": {"Items": ["GET", "HEAD"]},
                        "AccessControlAllowOrigins": {"Items": [web_origin]},
                        "AccessControlMaxAgeSec": 600,
                        "OriginOverride": True,
                    },
                }
            },
        ),
        DISTRIBUTION: resource(
            "AWS::CloudFront::Distribution",
            {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": sub("${Stack} media: signed URLs only"),
                    "HttpVersion": "http2and3",
                    "PriceClass": "PriceClass_100",
                    "Origins": [
                        {
                            "Id": _ORIGIN,
                            "DomainName": sub(
                                "${%s}-%s.s3.${AWS::Region}.amazonaws.com" % (STACK, BUCKET_SUFFIX)  # noqa: UP031
                            ),
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                            "OriginAccessControlId": get_att(ORIGIN_ACCESS_CONTROL, "Id"),
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": _ORIGIN,
                        "ViewerProtocolPolicy": "https-only",
                        "AllowedMethods": ["GET", "HEAD", "OPTIONS"],
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": False,  # video, JPEG and MPEG-TS: compressed already
                        "CachePolicyId": ref(CACHE_POLICY),
                        "ResponseHeadersPolicyId": ref(CORS_POLICY),
                        "TrustedKeyGroups": [ref(KEY_GROUP)],
                    },
                }
            },
        ),
        BUCKET_POLICY: resource(
            "AWS::S3::BucketPolicy",
            {
                "Bucket": named(BUCKET_SUFFIX),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [bucket_policy_statement()],
                },
            },
        ),
    }


def bucket_policy_statement() -> Json:
    """Only this distribution, through origin access control, reads the bucket's media and
    originals (no one else gains anything: the bucket stays private)."""
    return {
        "Sid": "OnlyTheMediaDistributionReads",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": [
            sub("arn:${AWS::Partition}:s3:::${Stack}-%s/%s*" % (BUCKET_SUFFIX, prefix))  # noqa: UP031
            for prefix in READABLE_PREFIXES
        ],
        "Condition": {
            "StringEquals": {
                "AWS:SourceArn": {
                    "Fn::Join": [
                        "",
                        [
                            sub(
                                "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/"
                            ),
                            ref(DISTRIBUTION),
                        ],
                    ]
                }
            }
        },
    }


def cdn_environment() -> dict[str, Json]:
    """The ingress's settings for signing media URLs (`settings.Cdn`)."""
    return {
        "VIDEOSHARE_CDN_DOMAIN": get_att(DISTRIBUTION, "DomainName"),
        "VIDEOSHARE_CDN_KEY_PAIR_ID": ref(PUBLIC_KEY),
        "VIDEOSHARE_CDN_PRIVATE_KEY_SECRET_ARN": ref(SECRET_PARAMETER),
    }


def cdn_secret_statement() -> Json:
    """The ingress reads the signing key, and no other secret, at start."""
    return {
        "Sid": "MediaSigningKey",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": ref(SECRET_PARAMETER),
    }
