"""Webhook signatures (Standard Webhooks), the retry schedule and which addresses may be called
(pure logic)."""

from __future__ import annotations

import base64
import ipaddress
import time

import pytest
from standardwebhooks import Webhook as Receiver
from standardwebhooks import WebhookVerificationError

from videoshare.domain.webhooks import (
    MAX_RETRY_DELAY_S,
    RETRY_FOR_S,
    delivery_id,
    new_secret,
    public_address,
    retry_delay_s,
    signed_headers,
    standard_secret,
)

# The specification's own example (its README and every reference library's tests).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
BODY = b'{"id":"d1","type":"video.ready"}'
# A secret as made before Standard Webhooks: `whsec_` + secrets.token_urlsafe(32).
LEGACY = "whsec_y-_0l3RkZ3Ak8_0RqJ3bXW5bT1rC3o9nS_uQ1WxYz-8"


def test_the_headers_sign_the_specifications_example() -> None:
    assert signed_headers(SPEC_SECRET, SPEC_ID, 1614265330, SPEC_BODY) == {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": SPEC_SIGNATURE,
    }


def test_a_receivers_library_verifies_a_new_secret_and_refuses_anything_else() -> None:
    secret, now = new_secret(), int(time.time())
    headers = signed_headers(secret, "d1", now, BODY)
    assert Receiver(secret).verify(BODY, headers) == {"id": "d1", "type": "video.ready"}
    tampered = [
        (new_secret(), BODY, headers),  # another secret
        (secret, BODY + b" ", headers),  # another body
        (secret, BODY, {**headers, "webhook-id": "d2"}),  # another message
        (secret, BODY, signed_headers(secret, "d1", now - 3600, BODY)),  # replayed an hour later
    ]
    for key, body, sent in tampered:
        with pytest.raises(WebhookVerificationError):
            Receiver(key).verify(body, sent)


def test_new_secrets_are_standard_base64_of_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert standard_secret(secret) == secret
    assert new_secret() != secret


def test_a_secret_made_before_the_switch_signs_as_its_bytes_in_standard_base64() -> None:
    """What docs/DEPLOY.md tells an existing receiver: convert the old secret once, then verify
    with any library. The sender signs with the same key, so no stored secret changes."""
    converted = "whsec_" + base64.b64encode(base64.urlsafe_b64decode(LEGACY[6:] + "=")).decode()
    assert standard_secret(LEGACY) == converted != LEGACY
    headers = signed_headers(LEGACY, "d1", int(time.time()), BODY)
    Receiver(converted).verify(BODY, headers)


@pytest.mark.parametrize("secret", ["", "whsec_", "secret", "whsec_!!!!", "whsec_a"])
def test_what_is_not_a_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="secret"):
        standard_secret(secret)


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


def test_delivery_ids_are_stable_per_event() -> None:
    assert delivery_id("e1") == delivery_id("e1") != delivery_id("e2")
