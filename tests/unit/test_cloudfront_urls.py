"""CloudFront signed URLs (`adapters/media_urls.CloudFrontMediaUrls`): the policy, its expiry,
what the signature covers, checked with the public key as CloudFront checks it."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.cloudfront import CloudFront, policy_of
from videoshare.adapters.media_urls import CloudFrontMediaUrls, load_signing_key

DOMAIN = "d111111abcdef8.cloudfront.net"
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
NOW = 1_893_499_200
VIDEO = "a" * 32
OTHER = "b" * 32
TTL_S = 900


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def urls(private_key: rsa.RSAPrivateKey) -> CloudFrontMediaUrls:
    return CloudFrontMediaUrls(DOMAIN, KEY_PAIR_ID, private_key, clock=lambda: NOW + 0.7)


@pytest.fixture(scope="module")
def cloudfront(private_key: rsa.RSAPrivateKey) -> CloudFront:
    return CloudFront(private_key.public_key(), KEY_PAIR_ID)


def _cdn_b64(data: bytes) -> str:
    return base64.b64encode(data).decode().replace("+", "-").replace("=", "_").replace("/", "~")


def test_the_policy_is_the_videos_folder_until_the_expiry(urls: CloudFrontMediaUrls) -> None:
    assert json.loads(urls.policy(f"media/{VIDEO}/", TTL_S)) == {
        "Statement": [
            {
                "Resource": f"https://{DOMAIN}/media/{VIDEO}/*",
                "Condition": {"DateLessThan": {"AWS:EpochTime": NOW + TTL_S}},
            }
        ]
    }


async def test_every_url_of_an_answer_carries_the_one_signed_policy(
    urls: CloudFrontMediaUrls, cloudfront: CloudFront
) -> None:
    keys = [f"media/{VIDEO}/hls/720p_{n:03}.ts" for n in range(3)] + [f"media/{VIDEO}/poster.jpg"]
    signed = await urls.media_urls(VIDEO, keys, TTL_S)
    for key, url in zip(keys, signed, strict=True):
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc, parts.path) == ("https", DOMAIN, f"/{key}")
        query = parse_qs(parts.query)
        assert set(query) == {"Policy", "Signature", "Key-Pair-Id"}
        assert query["Key-Pair-Id"] == [KEY_PAIR_ID]
        assert cloudfront.admits(url, now=NOW)
    assert len({urlsplit(u).query for u in signed}) == 1  # one signature for the whole answer
    (statement,) = policy_of(signed[0])["Statement"]
    assert statement["Resource"] == f"https://{DOMAIN}/media/{VIDEO}/*"


async def test_a_url_opens_until_its_expiry_and_no_longer(
    urls: CloudFrontMediaUrls, cloudfront: CloudFront
) -> None:
    (url,) = await urls.media_urls(VIDEO, [f"media/{VIDEO}/720p.mp4"], TTL_S)
    assert cloudfront.admits(url, now=NOW + TTL_S - 1)
    assert not cloudfront.admits(url, now=NOW + TTL_S)


async def test_the_signature_covers_one_videos_folder_and_nothing_else(
    urls: CloudFrontMediaUrls, cloudfront: CloudFront
) -> None:
    (url,) = await urls.media_urls(VIDEO, [f"media/{VIDEO}/720p.mp4"], TTL_S)
    query = url.partition("?")[2]
    for elsewhere in (
        f"https://{DOMAIN}/media/{OTHER}/720p.mp4",  # another video's object
        f"https://{DOMAIN}/uploads/{VIDEO}/source",  # the same video's original
        f"https://evil.example/media/{VIDEO}/720p.mp4",  # another host
    ):
        assert cloudfront.signature_holds(f"{elsewhere}?{query}")
        assert not cloudfront.admits(f"{elsewhere}?{query}", now=NOW)


async def test_a_policy_changed_after_signing_is_refused(
    urls: CloudFrontMediaUrls, cloudfront: CloudFront, private_key: rsa.RSAPrivateKey
) -> None:
    (url,) = await urls.media_urls(VIDEO, [f"media/{VIDEO}/720p.mp4"], TTL_S)
    base, _, query = url.partition("?")
    policy = json.dumps(policy_of(url), separators=(",", ":"))
    for forged in (
        policy.replace(f"/media/{VIDEO}/*", "/media/*"),  # wider
        policy.replace(str(NOW + TTL_S), str(NOW + 30 * 86400)),  # longer
    ):
        assert forged != policy
        params = dict(p.split("=", 1) for p in query.split("&"))
        params["Policy"] = _cdn_b64(forged.encode())
        tampered = f"{base}?" + "&".join(f"{k}={v}" for k, v in params.items())
        assert not cloudfront.signature_holds(tampered)
        assert not cloudfront.admits(tampered, now=NOW)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (by_another,) = await CloudFrontMediaUrls(
        DOMAIN, KEY_PAIR_ID, other_key, clock=lambda: NOW
    ).media_urls(VIDEO, [f"media/{VIDEO}/720p.mp4"], TTL_S)
    assert not cloudfront.admits(by_another, now=NOW)


async def test_a_download_saves_under_its_filename_and_the_signature_covers_that(
    urls: CloudFrontMediaUrls, cloudfront: CloudFront
) -> None:
    url = await urls.download_url(VIDEO, f"media/{VIDEO}/720p.mp4", "Sea trip, été-720p.mp4", 60)
    assert cloudfront.admits(url, now=NOW)
    query = urlsplit(url).query
    assert query.startswith("response-content-disposition=")  # its own query before the policy
    (disposition,) = parse_qs(query)["response-content-disposition"]
    assert disposition.startswith('attachment; filename="Sea trip, ete-720p.mp4"')
    source = await urls.download_url(VIDEO, f"uploads/{VIDEO}/source", "Sea trip.mov", 60)
    (statement,) = policy_of(source)["Statement"]
    assert statement["Resource"] == f"https://{DOMAIN}/uploads/{VIDEO}/*"
    assert cloudfront.admits(source, now=NOW)


async def test_no_url_is_signed_outside_the_videos_folders(urls: CloudFrontMediaUrls) -> None:
    for key in (f"media/{OTHER}/720p.mp4", f"media/{VIDEO}/../{OTHER}/x.ts", f"media/{VIDEO}/"):
        with pytest.raises(ValueError, match="is not an object of video"):
            await urls.media_urls(VIDEO, [key], TTL_S)


def test_the_signing_key_is_an_rsa_pem(private_key: rsa.RSAPrivateKey) -> None:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    assert load_signing_key(pem).public_key().public_numbers() == (
        private_key.public_key().public_numbers()
    )
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ValueError, match="must be an RSA private key"):
        load_signing_key(ec_pem)
