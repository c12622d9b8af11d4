"""The `MediaUrlSigner` port: short-lived GET URLs of one video's objects, in two adapters that
`bootstrap` chooses between by settings.

S3MediaUrls         no CDN (locally, and on AWS without one): S3 presigned GETs, one a key
CloudFrontMediaUrls `cdn_domain` set: CloudFront signed URLs through the distribution in front
                    of the (private) bucket, signed with the RSA key read once at start from
                    Secrets Manager (`read_signing_key`)

Why signed URLs and not signed cookies: the ingress already rewrites every playlist it serves
(`usecases/playback.py`), so each segment's URL can carry a signature; cookies would need the
CDN on a subdomain of the API's own domain, and the CLI, ffmpeg and cross-origin players
(hls.js would need `withCredentials`) would all have to carry them. A custom policy whose
resource is the video's folder with a wildcard (`https://CDN/media/{id}/*`) covers every
object of that one video, so one RSA signature serves a whole answer (a playlist of hundreds
of segments costs one signature, not hundreds), and nothing outside the folder: another
video's objects need another signature. `DateLessThan` is the only condition; a video made
private is cut off from the CDN when the URLs already handed out expire (the playlists, served
by the ingress behind the playback token, stop at once).

A download appends `response-content-disposition` (S3 honours it on the signed request
CloudFront sends through origin access control; the distribution's cache policy keys on it
and forwards it) before the signature's parameters, as CloudFront's custom-policy URLs have
their own query first.

`cryptography` is imported where a key is loaded or used: every process imports this module
through `bootstrap`, only an ingress with a CDN signs, and the package is ~9 MiB resident.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.signers import CloudFrontSigner

from videoshare.domain import keys
from videoshare.domain.filenames import FALLBACK_FILENAME, safe_filename

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_secretsmanager import SecretsManagerClient


class S3MediaUrls:
    """`MediaUrlSigner` on S3 presigned GETs (what the ingress did before the CDN)."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    async def media_urls(self, video_id: str, keys_: Sequence[str], ttl_s: int) -> list[str]:
        for key in keys_:
            keys.video_prefix_of(video_id, key)  # a ValueError for another video's key
        return [
            await self._s3.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=ttl_s
            )
            for key in keys_
        ]

    async def download_url(self, video_id: str, key: str, filename: str, ttl_s: int) -> str:
        keys.video_prefix_of(video_id, key)  # a ValueError for another video's key
        return await self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": attachment_disposition(filename),
            },
            ExpiresIn=ttl_s,
        )


class CloudFrontMediaUrls:
    """`MediaUrlSigner` on CloudFront: one custom policy per video folder and answer."""

    def __init__(
        self,
        domain: str,
        key_pair_id: str,
        private_key: rsa.RSAPrivateKey,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base = f"https://{domain}/"
        self._key = private_key
        self._signer = CloudFrontSigner(key_pair_id, self._rsa_sign)
        self._clock = clock

    def _rsa_sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        # what CloudFront verifies: RSA PKCS#1 v1.5 over SHA-1 of the policy's bytes
        return self._key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

    def url_of(self, key: str) -> str:
        """The distribution's unsigned URL of `key`."""
        return self._base + quote(key)

    def policy(self, prefix: str, ttl_s: int) -> str:
        """The custom policy (JSON) for every object under `prefix`, until `ttl_s` from now."""
        expires = datetime.fromtimestamp(int(self._clock()) + ttl_s, UTC)
        return str(self._signer.build_policy(self.url_of(prefix) + "*", expires))

    def signed_query(self, prefix: str, ttl_s: int) -> str:
        """`Policy=…&Signature=…&Key-Pair-Id=…` for `policy(prefix, ttl_s)`: one signature,
        appended to each URL under `prefix`."""
        policy = self.policy(prefix, ttl_s)
        return str(self._signer.generate_presigned_url("", policy=policy)).removeprefix("?")

    async def media_urls(self, video_id: str, keys_: Sequence[str], ttl_s: int) -> list[str]:
        prefixes = [keys.video_prefix_of(video_id, key) for key in keys_]
        queries = {prefix: self.signed_query(prefix, ttl_s) for prefix in set(prefixes)}
        return [
            f"{self.url_of(key)}?{queries[prefix]}"
            for key, prefix in zip(keys_, prefixes, strict=True)
        ]

    async def download_url(self, video_id: str, key: str, filename: str, ttl_s: int) -> str:
        query = self.signed_query(keys.video_prefix_of(video_id, key), ttl_s)
        disposition = quote(attachment_disposition(filename), safe="")
        return f"{self.url_of(key)}?response-content-disposition={disposition}&{query}"


def load_signing_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA private key of a PEM text (PKCS#1 or PKCS#8, unencrypted)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the CloudFront signing key must be an RSA private key")
    return key


async def read_signing_key(secrets: SecretsManagerClient, secret_arn: str) -> rsa.RSAPrivateKey:
    """The CloudFront signing key, stored as a PEM text (`SecretString`) in Secrets Manager.
    Read once, at the ingress's start (`bootstrap.media_url_signer`); a rotated key needs a
    restart (docs/DEPLOY.md)."""
    answer = await secrets.get_secret_value(SecretId=secret_arn)
    pem = answer.get("SecretString")
    if not pem:
        raise ValueError(f"secret {secret_arn} has no SecretString (a PEM private key)")
    return load_signing_key(pem)


# Characters kept as they are in the quoted ASCII `filename=` fallback.
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+,=-]+")


def attachment_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` fallback and the exact UTF-8 `filename*` (RFC 6266)."""
    name = safe_filename(filename)
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    ascii_name = _ascii(stem) or FALLBACK_FILENAME
    if ascii_suffix := _ascii(suffix):
        ascii_name = f"{ascii_name}.{ascii_suffix}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _ASCII_UNSAFE.sub("_", plain).strip(" ._")
