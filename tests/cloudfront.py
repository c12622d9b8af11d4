"""What CloudFront checks of a signed URL with a custom policy, for the tests (no tests here):
the key pair id, the RSA-SHA1 signature over the policy with the public key, the URL against
the policy's `Resource` (with its `*` wildcard), and the time against `DateLessThan`."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNATURE_PARAMETERS = ("Policy", "Signature", "Key-Pair-Id")


def cloudfront_b64decode(text: str) -> bytes:
    """CloudFront's URL-safe base64 (`+=/` written `-_~`) decoded."""
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def policy_of(url: str) -> dict[str, Any]:
    (encoded,) = parse_qs(urlsplit(url).query)["Policy"]
    policy: dict[str, Any] = json.loads(cloudfront_b64decode(encoded))
    return policy


def unsigned(url: str) -> str:
    """`url` without the signature's parameters: what the policy's resource must match."""
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p.split("=", 1)[0] not in SIGNATURE_PARAMETERS]
    return f"{base}?{'&'.join(kept)}" if kept else base


@dataclass(frozen=True)
class CloudFront:
    public_key: rsa.RSAPublicKey
    key_pair_id: str

    def signature_holds(self, url: str) -> bool:
        query = parse_qs(urlsplit(url).query)
        policy = cloudfront_b64decode(query["Policy"][0])
        signature = cloudfront_b64decode(query["Signature"][0])
        try:
            self.public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
        except InvalidSignature:
            return False
        return query["Key-Pair-Id"] == [self.key_pair_id]

    def admits(self, url: str, now: float) -> bool:
        """Whether CloudFront would serve `url` at `now`."""
        if not self.signature_holds(url):
            return False
        (statement,) = policy_of(url)["Statement"]
        expires = statement["Condition"]["DateLessThan"]["AWS:EpochTime"]
        return fnmatchcase(unsigned(url), statement["Resource"]) and now < expires
