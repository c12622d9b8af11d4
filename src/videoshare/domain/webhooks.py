"""Webhooks, the pure part: signatures, the retry schedule, which addresses may be called, and
the delivery message that travels on the `webhook-sender` queue.

    headers = signed_headers(secret, message_id, timestamp, body)  # the Standard Webhooks three
    delay = retry_delay_s(attempt, base_s)               # 30 s, 1 min, 2 min, ... 6 h
    public_address(ipaddress.ip_address("10.0.0.1"))     # False: private

Deliveries are signed as the Standard Webhooks specification says (standardwebhooks.com), so a
receiver verifies them with an off-the-shelf library in its own language: `webhook-id` (the
delivery id, the same on every attempt), `webhook-timestamp` (epoch seconds of the attempt) and
`webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the bytes of
the `whsec_` secret's base64). The signing itself is the specification's reference library's.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from standardwebhooks import Webhook as StandardWebhook

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_HEADER = "Videoshare-Event"  # the body's `type` too; for routing without parsing
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32
# Deliveries are retried for about a day after the first attempt, then given up.
RETRY_FOR_S = 24 * 3600
MAX_RETRY_DELAY_S = 6 * 3600
DELIVERY_TYPE: Literal["webhook.delivery"] = "webhook.delivery"


def new_secret() -> str:
    """`whsec_` + standard base64 of 32 random bytes (the specification asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def standard_secret(secret: str) -> str:
    """`secret` in the Standard Webhooks form, `whsec_` + standard base64 of the key.

    Secrets made before the switch are `whsec_` + URL-safe base64 without padding (43
    characters, which standard base64 never is). They keep working, as the key their 32 bytes
    spell: the same bytes in standard base64 (docs/DEPLOY.md shows receivers the conversion).
    Raises ValueError for anything that is neither.
    """
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        try:  # the pre-Standard-Webhooks form
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except binascii.Error as exc:
            raise ValueError("a webhook secret is whsec_ and base64") from exc
    if not key:
        raise ValueError("a webhook secret has a key after whsec_")
    return SECRET_PREFIX + base64.b64encode(key).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers that sign `body` as message `message_id`, sent at
    `timestamp` (epoch seconds), with `secret` (either form `standard_secret` takes)."""
    signer = StandardWebhook(standard_secret(secret))
    signature = signer.sign(message_id, datetime.fromtimestamp(timestamp, UTC), body)
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature,
    }


def retry_delay_s(attempt: int, base_s: float) -> float:
    """The wait after failed attempt number `attempt` (0 is the first): doubling, capped."""
    return float(min(base_s * 2 ** min(attempt, 30), MAX_RETRY_DELAY_S))


# IPv6 prefixes that carry an IPv4 address to a translator or relay (NAT64: RFC 6052 and
# RFC 8215; 6to4: RFC 3056): whichever IPv4 address is inside, the packet goes where the
# translator sends it, which may be a private network. Refused outright.
TRANSLATED_PREFIXES = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("2002::/16"),
)


def hostname_problem(host: str) -> str | None:
    """Why `host` cannot be a host name (RFC 1035: labels of 1 to 63 characters, 253 in all),
    or None. Checked before any lookup, which would fail on it in a less readable way."""
    name = host.rstrip(".")
    if len(name) > 253:
        return "the host name is longer than 253 characters"
    for label in name.split("."):
        if not label:
            return "the host name has an empty label"
        if len(label) > 63:
            return f"the host name's label {label[:20]}… is longer than 63 characters"
    return None


def public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a webhook may be sent to `address`: globally routable only, so never loopback,
    private, link-local (cloud metadata), shared, reserved or multicast addresses, and no
    address that only a NAT64 translator or a 6to4 relay would take further."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return public_address(address.ipv4_mapped)
        if any(address in prefix for prefix in TRANSLATED_PREFIXES):
            return False
    return address.is_global and not address.is_multicast


def delivery_id(event_id: str) -> str:
    """The id a receiver de-duplicates on: the same for every attempt of one event."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"videoshare:webhook:{event_id}"))


class Delivery(BaseModel):
    """One attempt to deliver one event to one user's webhook (a message on the queue)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["webhook.delivery"] = DELIVERY_TYPE
    delivery_id: str
    user_id: str
    event_type: str
    correlation_id: str
    payload: dict[str, Any]
    attempt: int = 0
    first_attempt_at: float
    not_before: float = 0.0

    @property
    def id(self) -> str:
        """The runtime's idempotency key: one per attempt, so a retry is not a duplicate."""
        return f"{self.delivery_id}:{self.attempt}:{self.not_before}"
