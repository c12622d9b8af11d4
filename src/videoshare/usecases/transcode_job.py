"""What one transcode job needs around ffmpeg: a temp folder of its own, the source fetched and
probed, the record's progress, the time each phase took, and the heap handed back after
(`videoshare/heap.py`).

    work_dir = fresh_work_dir(root, video_id)        # an earlier attempt's leftovers removed
    probed = await fetch_source(objects, key, work_dir / "source", limits)
    reporter = ProgressReporter(videos, video)       # at most once a second, then 100 %
    phases.end("fetch")                              # → the `transcode_phases` log line
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

from videoshare.domain import keys
from videoshare.domain.errors import ObjectTooLarge, VideoConflict
from videoshare.domain.video import Video, VideoStatus
from videoshare.heap import trim_heap
from videoshare.media.probe import ProbeLimits, ProbeResult, check_file_size, probe
from videoshare.usecases.ports import ObjectStore, VideoStore
from videoshare.usecases.progress import INTERVAL_S, write_due

log = structlog.get_logger("transcoder")

PLAYABLE_WRITE_ATTEMPTS = 5


def fresh_work_dir(root: str | None, video_id: str) -> Path:
    """A new temp folder for this job, after removing any an earlier attempt at the same video
    left behind: a worker killed mid-job (SIGKILL, out of memory) cannot clean up itself."""
    work_root = Path(root or tempfile.gettempdir())
    for leftover in work_root.glob(f"transcode-{video_id}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"transcode-{video_id}-", dir=work_root))


async def fetch_source(
    objects: ObjectStore, key: str, path: Path, limits: ProbeLimits
) -> ProbeResult:
    """The source streamed to `path` (refused unread when larger than accepted) and probed."""
    try:
        await objects.download(key, path, max_bytes=limits.max_file_bytes)
    except ObjectTooLarge as too_large:
        check_file_size(too_large.size, limits)  # the probe's own rejection: `file_too_large`
        raise
    probed = await asyncio.to_thread(probe, path, limits=limits)
    trim_heap()  # what the download and the probe's decode used, before ffmpeg starts
    return probed


async def abandon(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait for it; whatever it raised no longer matters."""
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


class DeletedMeanwhile(Exception):
    """The owner deleted the video while it was being transcoded: the job stops, and what it
    put is deleted (housekeeping, deleting the video's objects, may have run before it landed)."""


def is_deleted(video: Video | None) -> bool:
    """Whether the owner deleted the video (or its account, and the record is gone)."""
    return video is None or video.status is VideoStatus.DELETED


def ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


class Phases:
    """How long each step of one job took, for its `transcode_phases` log line (what the
    pipeline adds to the transcode is measured from these: bench/bench_pipeline.py)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._last = time.monotonic()

    def end(self, phase: str) -> None:
        self.ms[f"{phase}_ms"] = ms_since(self._last)
        self._last = time.monotonic()


class ProgressReporter:
    """Writes the percentage done to the video record while ffmpeg runs, when it is due
    (`progress.write_due`: at most a hundred writes), and 100 % once it is done
    (`report_done`); a lost race with another writer only skips one report."""

    def __init__(
        self, videos: VideoStore, video: Video, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._videos = videos
        self._video = video
        self._clock = clock
        self._last = -INTERVAL_S
        self._written = 0.0  # the percentage last reported
        self._known: Video | None = video  # the record as this job last wrote or read it
        # set when a report finds the video deleted (or its record gone): the owner no longer
        # wants it, and the job stops instead of spending the rest of ffmpeg's time on it
        self.deleted = asyncio.Event()

    async def report_running(self, percent: float) -> None:
        """ffmpeg's progress; its 100 % (said as it ends) is left to `report_done`, which the
        job writes beside its last uploads instead of before them."""
        now = self._clock()
        if percent >= 100.0 or not write_due(percent, self._written, now - self._last):
            return
        self._last, self._written = now, percent
        await self._write(percent)

    async def report_done(self) -> None:
        await self._write(100.0)

    async def report_playable(self, playable: bool = True) -> None:
        """The HLS master playlist is stored: the record says the video can be played (or,
        `playable` False, no longer: the attempt failed and took its outputs back). Unlike a
        progress report this one is not skipped on a lost race: it is read again and retried
        (a lost race means another writer, a progress report or an edit, moved the version)."""
        master = keys.hls_master_key(self._video.id) if playable else None
        for _ in range(PLAYABLE_WRITE_ATTEMPTS):
            current = await self._videos.get(self._video.id)
            if (
                current is None
                or current.status is not VideoStatus.PROCESSING
                or current.hls_master_key == master
            ):
                return
            try:
                changed = current.playable_while_processing(master)
                self._known = await self._videos.save(changed, expected=current)
                return
            except VideoConflict:
                continue
        log.warning("playable_not_recorded", video_id=self._video.id)

    async def _write(self, percent: float) -> None:
        """One conditional write, expecting the record as this job left it (no read first: a
        report a second costs the store one request); when another writer moved it on (an
        edit, the playable mark, a deletion), this report is skipped and the record read at
        once, so a deletion stops the job now and the next report expects the fresh record."""
        current = self._known or await self._read()
        if current is None or current.status is not VideoStatus.PROCESSING:
            return
        try:
            self._known = await self._videos.save(current.with_progress(percent), expected=current)
        except VideoConflict:
            log.debug("progress_skipped", video_id=self._video.id)
            await self._read()

    async def _read(self) -> Video | None:
        self._known = await self._videos.get(self._video.id)
        if is_deleted(self._known):
            self.deleted.set()
        return self._known
