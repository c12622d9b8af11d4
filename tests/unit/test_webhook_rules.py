"""Webhook signatures, the retry schedule and which addresses may be called (pure logic)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import pytest

from videoshare.domain.webhooks import (
    MAX_RETRY_DELAY_S,
    RETRY_FOR_S,
    delivery_id,
    new_secret,
    public_address,
    retry_delay_s,
    signature_header,
    verify_signature,
)

SECRET = "whsec_test"
BODY = b'{"id":"d1","type":"video.ready"}'
NOW = 1_800_000_000


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert signature_header(SECRET, BODY, NOW) == f"t=1800000000,v1={expected}"


def test_a_receiver_verifies_it() -> None:
    header = signature_header(SECRET, BODY, NOW)
    assert verify_signature(SECRET, BODY, header, now=NOW + 10)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("whsec_other", BODY, NOW),  # another secret
        (SECRET, BODY + b" ", NOW),  # another body
        (SECRET, BODY, NOW + 3600),  # too old: a replay
    ],
    ids=["wrong secret", "tampered body", "replayed an hour later"],
)
def test_anything_else_does_not_verify(secret: str, body: bytes, now: int) -> None:
    assert not verify_signature(secret, body, signature_header(SECRET, BODY, NOW), now=now)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", "t=1800000000"])
def test_malformed_headers_do_not_verify(header: str) -> None:
    assert not verify_signature(SECRET, BODY, header, now=NOW)


def test_retries_double_from_the_base_up_to_a_cap_and_span_about_a_day() -> None:
    delays = [retry_delay_s(attempt, 30.0) for attempt in range(40)]
    assert delays[:4] == [30.0, 60.0, 120.0, 240.0]
    assert max(delays) == MAX_RETRY_DELAY_S
    waited, attempts = 0.0, 0
    while waited + delays[attempts] <= RETRY_FOR_S:
        waited += delays[attempts]
        attempts += 1
    assert 10 <= attempts <= 20  # a dozen or so attempts over the day


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared address space
        ("0.0.0.0", False),  # noqa: S104 - an address under test, not a bind
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::a00:1", False),  # NAT64 (RFC 6052) of 10.0.0.1
        ("64:ff9b::5db8:d822", False),  # NAT64 of a public address: still a translator's
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 (RFC 8215)
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2002:5db8:d822::1", False),  # 6to4 of a public address: a relay we do not choose
    ],
)
def test_only_public_addresses_may_be_called(address: str, public: bool) -> None:
    assert public_address(ipaddress.ip_address(address)) is public


def test_delivery_ids_are_stable_per_event_and_secrets_are_fresh() -> None:
    assert delivery_id("e1") == delivery_id("e1") != delivery_id("e2")
    assert new_secret() != new_secret()
    assert new_secret().startswith("whsec_")
    assert len(new_secret()) > 40
