"""Moving bytes to presigned S3 URLs: one PUT, or parts in parallel (bounded), each retried
with exponential backoff and jitter on network failures and 5xx/429 answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from videoshare.entrypoints.cli.client.errors import ClientFailure
from videoshare.entrypoints.cli.client.parts import Part
from videoshare.entrypoints.cli.client.progress import TransferProgress

CHUNK = 1024 * 1024
ATTEMPTS = 5
PUT_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10, sock_read=120)


class StorageAnswered(Exception):
    """S3 answered a PUT with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, StorageAnswered):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, aiohttp.ClientError | TimeoutError)


def _retrying(attempts: int) -> AsyncRetrying:
    return AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential_jitter(initial=0.2, max=5),
        retry=retry_if_exception(_transient),
        reraise=True,
    )


def _failure(what: str, exc: BaseException) -> ClientFailure:
    if isinstance(exc, StorageAnswered) and exc.status == 403:
        why = "the storage refused it (the upload link may have expired)"
    elif isinstance(exc, StorageAnswered):
        why = f"the storage answered HTTP {exc.status}"
    else:
        why = f"the connection failed ({exc or type(exc).__name__})"
    return ClientFailure(f"{what} failed: {why}; run the same command again to resume")


async def _read_range(path: Path, offset: int, size: int) -> bytes:
    def read() -> bytes:
        with path.open("rb") as source:
            source.seek(offset)
            return source.read(size)

    return await asyncio.to_thread(read)


async def _chunks(data: bytes, counter: list[int], bar: TransferProgress) -> AsyncIterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), CHUNK):
        piece = view[start : start + CHUNK]
        yield bytes(piece)
        counter[0] += len(piece)
        bar.advance(len(piece))


async def _put(
    http: aiohttp.ClientSession,
    url: str,
    data: bytes,
    headers: Mapping[str, str],
    bar: TransferProgress,
) -> str:
    """PUT `data` to `url`; the ETag S3 answered. Progress of a failed attempt is taken back."""
    sent = [0]
    try:
        async with http.put(
            url,
            data=_chunks(data, sent, bar),
            headers={**headers, "Content-Length": str(len(data))},
            timeout=PUT_TIMEOUT,
        ) as response:
            if response.status != 200:
                raise StorageAnswered(response.status, (await response.text())[:500])
            await response.read()
            return response.headers.get("ETag", "")
    except BaseException:
        bar.advance(-sent[0])
        raise


async def put_single(
    http: aiohttp.ClientSession,
    url: str,
    headers: Mapping[str, str],
    path: Path,
    size: int,
    bar: TransferProgress,
    attempts: int = ATTEMPTS,
) -> None:
    """The whole file in one presigned PUT (read into memory: single PUTs are small)."""
    data = await _read_range(path, 0, size)
    try:
        async for attempt in _retrying(attempts):
            with attempt:
                await _put(http, url, data, headers, bar)
    except (StorageAnswered, aiohttp.ClientError, TimeoutError) as exc:
        raise _failure("the upload", exc) from exc


async def put_part(
    http: aiohttp.ClientSession,
    url: str,
    path: Path,
    part: Part,
    bar: TransferProgress,
    attempts: int = ATTEMPTS,
) -> str:
    """One part, retried; its ETag."""
    data = await _read_range(path, part.offset, part.size)
    try:
        async for attempt in _retrying(attempts):
            with attempt:
                etag = await _put(http, url, data, {}, bar)
                if not etag:
                    raise ClientFailure(
                        f"part {part.number} was stored without an ETag; "
                        "the storage is not S3-compatible"
                    )
                return etag
    except (StorageAnswered, aiohttp.ClientError, TimeoutError) as exc:
        raise _failure(f"part {part.number} of the upload", exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover


async def put_parts(
    http: aiohttp.ClientSession,
    urls: Mapping[int, str],
    path: Path,
    parts: Iterable[Part],
    bar: TransferProgress,
    parallel: int,
) -> dict[int, str]:
    """Every part of `parts`, at most `parallel` at a time; ETags by part number. The first
    part that gives up stops the others."""
    gate = asyncio.Semaphore(parallel)
    etags: dict[int, str] = {}

    async def one(part: Part) -> None:
        async with gate:
            etags[part.number] = await put_part(http, urls[part.number], path, part, bar)

    try:
        async with asyncio.TaskGroup() as group:
            for part in parts:
                group.create_task(one(part))
    except* ClientFailure as failures:
        raise failures.exceptions[0] from None
    return etags
