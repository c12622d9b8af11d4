"""Who is calling, by network address, behind as many trusted proxies as the deployment has.

Each proxy appends the address it received the request from to `X-Forwarded-For`, so the list
ends with what the nearest trusted proxies saw, and anything to the left of that may be forged
by the client. With `VIDEOSHARE_TRUSTED_PROXY_HOPS` = n (1 behind the AWS load balancer), the
caller is the n-th address from the right of `X-Forwarded-For` + the socket's peer; with 0 (the
default, nothing in front) it is the peer and the header is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web

from videoshare.settings import Settings

UNKNOWN = "unknown"


def forwarded_chain(header_values: Iterable[str], peer: str | None) -> list[str]:
    """Every address the request passed, farthest first, the socket's peer last."""
    chain = [part.strip() for value in header_values for part in value.split(",")]
    chain = [address for address in chain if address]
    return [*chain, peer or UNKNOWN]


def client_address(header_values: Iterable[str], peer: str | None, trusted_hops: int) -> str:
    chain = forwarded_chain(header_values, peer) if trusted_hops else [peer or UNKNOWN]
    # The entry the farthest trusted proxy wrote; a shorter chain did not come through all of
    # them, and its farthest entry is the best there is.
    candidate = chain[max(0, len(chain) - 1 - trusted_hops)]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer or UNKNOWN  # not an address: a forged or broken header counts as the peer


def request_client_address(request: web.Request, settings: Settings) -> str:
    return client_address(
        request.headers.getall("X-Forwarded-For", []), request.remote, settings.trusted_proxy_hops
    )
