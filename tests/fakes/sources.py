"""`SourceFetcher` in memory: each URL a test serves gives its bytes (in chunks) or raises the
`SourceUnavailable` it was given; the cap is enforced as the real fetcher does, on what was read.
Its size is announced (`on_length`, a `Content-Length`) unless served with `announced=False`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from videoshare.usecases.ports import SourceUnavailable


@dataclass
class FakeSourceFetcher:
    served: dict[str, bytes | SourceUnavailable] = field(default_factory=dict)
    asked: list[tuple[str, int, bool]] = field(default_factory=list)
    chunk_bytes: int = 1000
    unannounced: set[str] = field(default_factory=set)

    def serve(self, url: str, answer: bytes | SourceUnavailable, *, announced: bool = True) -> None:
        self.served[url] = answer
        if not announced:
            self.unannounced.add(url)

    async def stream(
        self,
        url: str,
        *,
        max_bytes: int,
        allow_private: bool,
        on_length: Callable[[int], None] | None = None,
    ) -> AsyncIterator[bytes]:
        self.asked.append((url, max_bytes, allow_private))
        answer = self.served.get(url) or SourceUnavailable("not_found", "The link answered 404.")
        if isinstance(answer, SourceUnavailable):
            raise answer
        if on_length is not None and url not in self.unannounced:
            if len(answer) > max_bytes:  # as the real one: refused before a byte is read
                raise SourceUnavailable("too_large", "larger than the cap")
            on_length(len(answer))
        for start in range(0, len(answer), self.chunk_bytes):
            chunk = answer[start : start + self.chunk_bytes]
            if start + len(chunk) > max_bytes:
                raise SourceUnavailable("too_large", "larger than the cap")
            yield chunk
