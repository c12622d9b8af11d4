"""Fetching an import's link (`usecases.ports.SourceFetcher`) with the webhook sender's guard.

    fetcher = GuardedSourceFetcher(timeout_s=900, max_redirects=5)
    async for chunk in fetcher.stream(url, max_bytes=cap, allow_private=False): ...

Each hop (the link, then every redirect, followed here one at a time and never by aiohttp) is
checked as a webhook target is (`adapters/webhooks.check_target`: http(s), a sane host name,
every address it resolves to public), and connected through `GuardedResolver`, which refuses a
name that resolves to a private address at connect time (DNS rebinding). The body is read as it
came (never decompressed: no gzip bomb), and counted: a `Content-Length` above the cap is refused
before a byte is read, and a body that goes on past the cap (whatever its `Content-Length` said)
is cut there. One time limit covers each hop, its body included. The size an answer announces
is passed on (`on_length`), so the importer can tell how far the fetch is.

    answer                                   → SourceUnavailable code
    a private address, a bad URL             → refused
    no connection, no DNS answer, time out   → unreachable
    404 / 410                                → not_found
    other 4xx, too many redirects            → refused
    5xx, 429                                 → unreachable, transient (the use case retries)
    Content-Length or body above the cap     → too_large
    text/html, or other text/*                → not_a_video
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urljoin

import aiohttp

from videoshare.adapters.webhooks import GuardedResolver, check_target
from videoshare.usecases.ports import SourceUnavailable, UnsafeTarget

USER_AGENT = "videoshare-importer/1"
CHUNK_BYTES = 256 * 1024
READ_PAUSE_S = 60  # a source silent this long is given up on
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class GuardedSourceFetcher:
    def __init__(self, *, timeout_s: float, max_redirects: int) -> None:
        self._timeout_s = timeout_s
        self._max_redirects = max_redirects

    async def stream(
        self,
        url: str,
        *,
        max_bytes: int,
        allow_private: bool,
        on_length: Callable[[int], None] | None = None,
    ) -> AsyncIterator[bytes]:
        connector_args: dict[str, Any] = {} if allow_private else {"resolver": GuardedResolver()}
        try:
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(**connector_args),
                timeout=aiohttp.ClientTimeout(total=self._timeout_s, sock_read=READ_PAUSE_S),
                auto_decompress=False,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
            ) as http:
                for _ in range(self._max_redirects + 1):
                    try:
                        await check_target(url, allow_private=allow_private)
                    except UnsafeTarget as exc:
                        raise SourceUnavailable("refused", f"The link was refused: {exc}.") from exc
                    async with http.get(url, allow_redirects=False) as response:
                        if response.status in REDIRECTS and "Location" in response.headers:
                            url = urljoin(url, response.headers["Location"])
                            continue
                        _check_answer(response, max_bytes)
                        if on_length is not None and response.content_length is not None:
                            on_length(response.content_length)
                        received = 0
                        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                            received += len(chunk)
                            if received > max_bytes:
                                raise _too_large(max_bytes)
                            yield chunk
                        return
                raise SourceUnavailable(
                    "refused", f"The link redirected more than {self._max_redirects} times."
                )
        except TimeoutError as exc:
            raise SourceUnavailable(
                "unreachable", f"The link did not send the video within {self._timeout_s:.0f} s."
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise SourceUnavailable(
                "unreachable", f"The link could not be reached ({type(exc).__name__}: {exc})."
            ) from exc


def _check_answer(response: aiohttp.ClientResponse, max_bytes: int) -> None:
    status = response.status
    if status in {404, 410}:
        raise SourceUnavailable("not_found", f"The link answered {status}: nothing is there.")
    if status == 429 or status >= 500:
        raise SourceUnavailable(
            "unreachable", f"The link answered {status}; trying again later.", transient=True
        )
    if not 200 <= status < 300:
        raise SourceUnavailable("refused", f"The link answered {status} instead of a video.")
    if response.content_type.startswith("text/"):
        raise SourceUnavailable(
            "not_a_video", f"The link is a {response.content_type} page, not a video file."
        )
    if response.content_length is not None and response.content_length > max_bytes:
        raise _too_large(max_bytes)


def _too_large(max_bytes: int) -> SourceUnavailable:
    return SourceUnavailable(
        "too_large",
        f"The video at the link is larger than {max_bytes:,} bytes, the most we import.",
    )
