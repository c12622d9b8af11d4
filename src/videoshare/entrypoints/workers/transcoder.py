"""transcoder: `video.uploaded` → probe the source, make the complete output set: the MP4
ladder, HLS, a poster and a storyboard.

`uploaded → processing` when it starts; publishes `video.transcoded` with what it made, or moves
the video `→ rejected` (publishing `video.rejected`) when the source is not a video it can
safely decode. The source is streamed to a temp folder of its own, removed on every exit path.

Outputs go to deterministic keys and leave no stale file of an interrupted attempt behind
(`transcoder_outputs.py`). The probe's caps (file size, duration, pixels) come from settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

import structlog

from videoshare.bus.outcomes import RetryLater
from videoshare.bus.runtime import Inbound
from videoshare.domain import keys
from videoshare.domain.errors import VideoConflict
from videoshare.domain.events import (
    RenditionData,
    VideoRejected,
    VideoRejectedData,
    VideoTranscoded,
    VideoTranscodedData,
    VideoUploaded,
    follow_up,
)
from videoshare.domain.video import Video, VideoStatus
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.entrypoints.workers.lifecycle import (
    correlation_of,
    give_up,
    move,
    rejected_after_upload,
)
from videoshare.media.ffmpeg_command import HLS_DIR
from videoshare.media.probe import (
    MediaRejected,
    ProbeLimits,
    ProbeResult,
    check_file_size,
    probe,
)
from videoshare.media.transcode import TranscodeFailed, TranscodeOutput, transcode
from videoshare.settings import Settings
from videoshare.usecases.transcode_outputs import OutputUploader

log = structlog.get_logger("transcoder")

DOWNLOAD_CHUNK = 1024 * 1024
PROGRESS_INTERVAL_S = 1.0


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def on_uploaded(event: VideoUploaded) -> None:
        await _transcode_video(ctx, event)

    async def on_give_up(event: Inbound, exc: BaseException) -> None:
        if isinstance(event, VideoUploaded):
            await give_up(
                ctx, event.data.video_id, event.id, "The video could not be processed; try again."
            )

    return WorkerDefinition(handlers={"video.uploaded": on_uploaded}, on_give_up=on_give_up)


async def _transcode_video(ctx: WorkerContext, event: VideoUploaded) -> None:
    phases = _Phases()
    work_dir = await asyncio.to_thread(_fresh_work_dir, ctx.settings.work_dir, event.data.video_id)
    try:
        source = work_dir / "source"
        # The source is fetched and probed while the record is read and moved: both lie on the
        # way from upload to `ready`, and neither needs the other.
        fetched = asyncio.create_task(
            _fetch(ctx, event.data.source_key, source, probe_limits(ctx.settings))
        )
        try:
            started = await _start(ctx, event)
        except BaseException:
            await _abandon(fetched)
            raise
        if started is None:
            await _abandon(fetched)
            return
        video, first_attempt = started
        phases.end("start")
        uploader = OutputUploader(ctx, video.id, earlier_attempts=not first_attempt)
        reporter = _ProgressReporter(ctx, video)
        try:
            probed = await fetched
            phases.end("fetch")
            output = await _run_ffmpeg(
                ctx, video, source, work_dir / "out", probed, uploader, reporter
            )
            phases.end("ffmpeg")
        except MediaRejected as rejected:
            await uploader.discard()  # the segments put while ffmpeg ran
            # progress reports have changed the record since it was read: read it again
            video = await ctx.videos.get(video.id) or video
            await _reject(ctx, video, event, str(rejected.code), rejected.reason)
            return
        except Exception:
            await uploader.discard()
            raise
        upload_started = time.monotonic()
        # The record says 100 % while the last outputs go up: not one more hop on the way to
        # `ready`, and written before `video.transcoded` (whose `ready` write it would race).
        async with asyncio.TaskGroup() as finishing:
            finishing.create_task(reporter.report_done())
            finishing.create_task(uploader.finish(output))
        log.info("outputs_uploaded", video_id=video.id, upload_ms=_ms_since(upload_started))
        phases.end("upload")
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
        _trim_heap()  # what the uploads used: an idle worker holds no more than it needs
    await ctx.publisher.publish(
        follow_up(
            VideoTranscoded,
            cause_id=event.id,
            correlation_id=event.correlation_id,
            producer=ctx.name,
            data=VideoTranscodedData(
                video_id=video.id,
                owner_id=video.owner_id,
                duration_s=probed.duration_s,
                width=probed.width,
                height=probed.height,
                size_bytes=event.data.size_bytes,
                renditions=[
                    RenditionData(
                        name=r.name,
                        width=r.width,
                        height=r.height,
                        bitrate=r.bitrate,
                        key=keys.rendition_key(video.id, r.name),
                        size_bytes=r.size_bytes,
                    )
                    for r in output.renditions
                ],
                poster_key=keys.poster_key(video.id),
                hls_master_key=keys.hls_master_key(video.id),
                storyboard_image_key=keys.storyboard_image_key(video.id),
                storyboard_vtt_key=keys.storyboard_vtt_key(video.id),
            ),
        )
    )
    phases.end("publish")
    log.info("transcode_phases", video_id=video.id, **phases.ms)


async def _start(ctx: WorkerContext, event: VideoUploaded) -> tuple[Video, bool] | None:
    """The video moved to `processing`, and whether this is the first attempt at it; None when
    there is nothing to transcode (a rejection by an earlier attempt is announced again)."""
    video = await ctx.videos.get(event.data.video_id)
    if video is not None and rejected_after_upload(video):
        # Rejected by an earlier attempt that may have crashed before saying so: say it again;
        # the event id is the same, so consumers drop it if it was said.
        code, reason = video.status_code or "rejected", video.status_reason or "It was rejected."
        await _reject(ctx, video, event, code, reason)
        return None
    if video is None or video.status not in (VideoStatus.UPLOADED, VideoStatus.PROCESSING):
        log.info(
            "nothing_to_transcode",
            video_id=event.data.video_id,
            status=video.status.value if video else None,
        )
        return None
    # A video still `uploaded` has never been started on: no earlier attempt left outputs.
    if video.status is VideoStatus.UPLOADED:
        return await move(ctx, video.processing(), expected=video), True
    return video, False


async def _fetch(ctx: WorkerContext, key: str, path: Path, limits: ProbeLimits) -> ProbeResult:
    await _download(ctx, key, path, limits)
    probed = await asyncio.to_thread(probe, path, limits=limits)
    _trim_heap()  # what the download and the probe's decode used, before ffmpeg starts
    return probed


def _trim_heap() -> None:
    """Hand the C heap's free pages back to the system: glibc keeps them (in an arena per
    thread that used it), so they would stay resident beside ffmpeg. A no-op without glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


async def _abandon(task: asyncio.Task[ProbeResult]) -> None:
    """Cancel `task` and wait for it; whatever it raised no longer matters."""
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


def _fresh_work_dir(root: str | None, video_id: str) -> Path:
    """A new temp folder for this job, after removing any an earlier attempt at the same video
    left behind: a worker killed mid-job (SIGKILL, out of memory) cannot clean up itself."""
    work_root = Path(root or tempfile.gettempdir())
    for leftover in work_root.glob(f"transcode-{video_id}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"transcode-{video_id}-", dir=work_root))


def probe_limits(settings: Settings) -> ProbeLimits:
    return ProbeLimits(
        max_file_bytes=settings.max_upload_bytes,
        max_duration_s=settings.max_video_duration_s,
        max_pixels=settings.max_video_pixels,
    )


async def _download(ctx: WorkerContext, key: str, path: Path, limits: ProbeLimits) -> None:
    """Stream the source to disk in chunks: never the whole file in memory (nor on disk when
    it is larger than accepted)."""
    obj = await ctx.aws.s3.get_object(Bucket=ctx.resources.bucket, Key=key)
    body = obj["Body"]
    try:
        check_file_size(obj["ContentLength"], limits)
    except MediaRejected:
        body.close()
        raise
    out = await _open_to_write(path)
    try:
        while chunk := await body.read(DOWNLOAD_CHUNK):
            await asyncio.to_thread(out.write, chunk)
    finally:
        out.close()
        body.close()


async def _open_to_write(path: Path) -> BinaryIO:
    """`path` opened to write, in a thread; closed again when the caller is cancelled while the
    thread opens it (the fetch is abandoned when the video turns out to need no transcode)."""
    opening = asyncio.ensure_future(asyncio.to_thread(_open_binary, path))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_close_opened)
        raise


def _open_binary(path: Path) -> BinaryIO:
    return path.open("wb")


def _close_opened(opening: asyncio.Future[BinaryIO]) -> None:
    if opening.exception() is None:
        opening.result().close()


async def _run_ffmpeg(
    ctx: WorkerContext,
    video: Video,
    source: Path,
    out_dir: Path,
    probed: ProbeResult,
    uploader: OutputUploader,
    reporter: _ProgressReporter,
) -> TranscodeOutput:
    """ffmpeg, with the outputs it finishes (segments, poster, sprite) uploaded meanwhile."""
    await asyncio.to_thread((out_dir / HLS_DIR).mkdir, parents=True)
    started = time.monotonic()
    follower = asyncio.create_task(uploader.follow(out_dir))
    try:
        output = await transcode(
            source,
            out_dir,
            probed,
            threads=ctx.settings.ffmpeg_threads,
            timeout_s=ctx.settings.transcode_timeout_s,
            on_progress=reporter.report_running,
            max_pixels=ctx.settings.max_video_pixels,
        )
    except TranscodeFailed as exc:
        raise RetryLater(f"ffmpeg failed: {exc}") from exc
    finally:
        follower.cancel()
        await asyncio.wait([follower])
    if not follower.cancelled() and (error := follower.exception()) is not None:
        # early uploads only save time: the final pass puts whatever they did not
        log.warning("early_uploads_stopped", video_id=video.id, error=repr(error))
    log.info(
        "transcoded",
        video_id=video.id,
        renditions=[r.name for r in output.renditions],
        transcode_ms=_ms_since(started),
    )
    return output


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


class _Phases:
    """How long each step of one job took, for its `transcode_phases` log line (what the
    pipeline adds to the transcode is measured from these: bench/bench_pipeline.py)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._last = time.monotonic()

    def end(self, phase: str) -> None:
        self.ms[f"{phase}_ms"] = _ms_since(self._last)
        self._last = time.monotonic()


class _ProgressReporter:
    """Writes the percentage done to the video record at most once a second while ffmpeg runs,
    and 100 % once it is done (`report_done`); a lost race with another writer only skips one
    report."""

    def __init__(self, ctx: WorkerContext, video: Video) -> None:
        self._ctx = ctx
        self._video = video
        self._last = 0.0

    async def report_running(self, percent: float) -> None:
        """ffmpeg's progress; its 100 % (said as it ends) is left to `report_done`, which the
        job writes beside its last uploads instead of before them."""
        now = time.monotonic()
        if percent >= 100.0 or now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        await self._write(percent)

    async def report_done(self) -> None:
        await self._write(100.0)

    async def _write(self, percent: float) -> None:
        try:
            current = await self._ctx.videos.get(self._video.id)
            if current is not None and current.status is VideoStatus.PROCESSING:
                await self._ctx.videos.save(current.with_progress(percent), expected=current)
        except VideoConflict:
            log.debug("progress_skipped", video_id=self._video.id)


async def _reject(
    ctx: WorkerContext, video: Video, event: VideoUploaded, code: str, reason: str
) -> None:
    if video.status is VideoStatus.PROCESSING:
        video = await move(ctx, video.rejected(code, reason), expected=video)
    await ctx.publisher.publish(
        follow_up(
            VideoRejected,
            cause_id=event.id,
            correlation_id=correlation_of(video, event.correlation_id),
            producer=ctx.name,
            data=VideoRejectedData(
                video_id=video.id, owner_id=video.owner_id, code=code, reason=reason
            ),
        )
    )
