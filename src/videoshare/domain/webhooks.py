"""Webhooks, the pure part: signatures, the retry schedule, which addresses may be called, and
the delivery message that travels on the `webhook-sender` queue.

    header = signature_header(secret, body, timestamp)   # "t=1700000000,v1=<hex>"
    verify_signature(secret, body, header, now)          # what a receiver does
    delay = retry_delay_s(attempt, base_s)               # 30 s, 1 min, 2 min, ... 6 h
    public_address(ipaddress.ip_address("10.0.0.1"))     # False: private
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

SIGNATURE_HEADER = "Videoshare-Signature"
DELIVERY_HEADER = "Videoshare-Delivery"
EVENT_HEADER = "Videoshare-Event"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# Deliveries are retried for about a day after the first attempt, then given up.
RETRY_FOR_S = 24 * 3600
MAX_RETRY_DELAY_S = 6 * 3600
# How old a signed timestamp a receiver should accept (replay protection).
SIGNATURE_TOLERANCE_S = 300
DELIVERY_TYPE: Literal["webhook.delivery"] = "webhook.delivery"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 of `"{timestamp}." + body` under `secret`."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def verify_signature(
    secret: str, body: bytes, header: str, now: float, tolerance_s: int = SIGNATURE_TOLERANCE_S
) -> bool:
    """True when `header` signs `body` with `secret` and its time is within `tolerance_s`."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, body, timestamp)
    return any(hmac.compare_digest(expected, v) for v in parts.get("v1", []))


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
