"""The C heap of a long-lived worker: how much of what it has freed glibc's malloc keeps.

    keep_heap_small()   # once, at the start of a worker process, before any thread runs
    trim_heap()         # hand the free pages back now (the transcoder: before and after ffmpeg,
                        # and while it runs, after each round of uploads)

glibc keeps freed memory for reuse, which a worker beside ffmpeg pays for in resident memory:
- an arena per thread that allocates, up to eight per core: `asyncio.to_thread`'s threads and
  aiofiles' (the uploads read files in them) each fill their own;
- the free top of a heap is handed back only past a threshold that grows with the largest block
  freed: one file read whole (aioboto3 asks for up to 16 MiB at once) raises it to 32 MiB;
- free pages inside a heap are only handed back by `malloc_trim`.

`keep_heap_small` sets two arenas and fixed thresholds (`mallopt`, the same as the
`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` environment variables,
but set by the process itself wherever it runs: ECS, `make run`, the tests): blocks from
256 KiB are their own mappings, unmapped when freed, and a free top over 1 MiB goes back.
Measured on the transcoder turning a 1-minute, a 10-minute and again a 1-minute 240p source
into their outputs (the stack of processes of `make bench ONLY=memory`, RSS from /proc every
20 ms), with the settings and the trims after upload rounds against without: beside ffmpeg
115.6 / 118.3 / 117.5 MiB against 118.2 / 127.2 / 126.4, and idle after the 10-minute source
116.2 MiB against 124.5 (the heap and arenas no longer keep what the 10-minute job freed).
PYTHONMALLOC=malloc (no pymalloc) was worse: 125.8 MiB beside ffmpeg; one arena instead of two
made no difference worth its contention (119.2).
Standard library only, a no-op where the C library is not glibc.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
from typing import Final

# mallopt's parameters (<malloc.h>)
_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3
_M_ARENA_MAX: Final = -8

ARENAS: Final = 2
MMAP_FROM_BYTES: Final = 256 * 1024
TRIM_FROM_BYTES: Final = 1024 * 1024


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def keep_heap_small() -> None:
    """Two arenas, and fixed thresholds for mappings and trimming (see the module's docstring).
    Call it before threads start: an arena made earlier stays."""
    libc = _glibc()
    if libc is None:
        return
    libc.mallopt(_M_ARENA_MAX, ARENAS)
    libc.mallopt(_M_MMAP_THRESHOLD, MMAP_FROM_BYTES)
    libc.mallopt(_M_TRIM_THRESHOLD, TRIM_FROM_BYTES)


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (every arena's, `malloc_trim(0)`: about
    a millisecond for a worker's heap)."""
    libc = _glibc()
    if libc is not None:
        with contextlib.suppress(OSError):
            libc.malloc_trim(0)
