"""An import's progress on its record while the importer reads the link, as a transcode's is
while ffmpeg runs: the bytes read against the size the link announced (`Content-Length`), in
percent. Without an announced size there is no percentage, and nothing is written.

    progress = FetchProgress(videos, video)
    chunks = progress.counted(sources.stream(url, …, on_length=progress.announced))
    …                                  # the chunks go into the source key
    await move(videos, progress.current.import_fetched(size, progress=progress.final), …)

A write is due as `progress.write_due` says (a step of points, or a point after a second):
never one per chunk, and at most a hundred. It stays below 100 while reading; the 100 is the
hand-over's own write (`imports.import_source`, with the real size), after which the
upload-finalizer's `uploaded` clears it. A write that loses a race (the owner edited the
video) is skipped.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import structlog

from videoshare.domain.errors import VideoConflict
from videoshare.domain.video import Video, VideoStatus
from videoshare.usecases.ports import VideoStore
from videoshare.usecases.progress import INTERVAL_S, write_due

log = structlog.get_logger("importer")

READING_MAX = 99.9  # 100 is said once the whole source is in (the hand-over)


class FetchProgress:
    """Counts an import's bytes and writes its percentage on the record now and then."""

    def __init__(
        self, videos: VideoStore, video: Video, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.current = video  # the record as last written here (or read after a lost race)
        self._videos = videos
        self._clock = clock
        self._total: int | None = None
        self._read = 0
        self._written = 0.0
        self._written_at = -INTERVAL_S

    @property
    def final(self) -> float | None:
        """The percentage the hand-over writes: 100 when the size was announced, else none."""
        return 100.0 if self._total else None

    def announced(self, size: int) -> None:
        """The link's `Content-Length` (`SourceFetcher.stream`'s `on_length`)."""
        self._total = size if size > 0 else None

    async def counted(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """`chunks` as they come, the percentage written when due."""
        async for chunk in chunks:
            yield chunk
            self._read += len(chunk)
            if self._total is None:
                continue
            percent = min(READING_MAX, 100 * self._read / self._total)
            now = self._clock()
            if write_due(percent, self._written, now - self._written_at):
                self._written, self._written_at = percent, now
                await self._write(percent)

    async def _write(self, percent: float) -> None:
        try:
            self.current = await self._videos.save(
                self.current.import_progressed(percent), expected=self.current
            )
        except VideoConflict:
            log.debug("import_progress_skipped", video_id=self.current.id)
            again = await self._videos.get(self.current.id)
            if again is not None and again.status is VideoStatus.AWAITING_UPLOAD:
                self.current = again  # an edit: the next write (and the hand-over) go on it
