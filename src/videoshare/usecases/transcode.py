"""Transcoding: `video.uploaded` → probe the source, make the complete output set (the MP4
ladder, HLS, a poster and a storyboard) and publish `video.transcoded`.

    the owner's processing slots taken by others    → Defer: it waits its turn
                                                      (`processing_turns.py`)
    no record, or not uploaded / processing        → nothing (the turn given back)
    rejected by an earlier attempt                  → its `video.rejected` said again
    uploaded                                        → processing (the first attempt: no outputs
                                                      of another to look for)
    processing                                      → an earlier attempt died: go on, and delete
                                                      what it left that this one does not make
    transcoded                                      → `video.transcoded`, the turn ended
    the source probed, first attempt, the owner's   → rejected (processing_budget_spent); else
    minutes of the day spent already                  its minutes charged to the owner's day
    the source not a video we can safely decode,    → rejected, `video.rejected`, early outputs
    or too costly (over the budget its probe shows,   deleted, its storage and its turn
    past ffmpeg's OS limits or its timeout)           released; the source goes with
                                                      housekeeping on the verdict (this role
                                                      may not delete it)
    ffmpeg fails otherwise                          → RetryLater (the give-up marks it failed)
    deleted by its owner meanwhile (a progress      → ffmpeg stopped, what was put deleted, the
    report or the read after the last upload          turn ended
    finds it so)

Ready is the metadata-indexer's to say. The source is fetched and probed while the record is
read and moved (both lie on the way to `ready`); outputs go up while ffmpeg still writes
(`transcode_outputs.py`), and the record says 100 % beside the last uploads. The job's temp
folder is removed on every exit path, and the heap handed back (`videoshare/heap.py`).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import structlog

from videoshare.bus.outcomes import RetryLater
from videoshare.domain import keys
from videoshare.domain.events import (
    RenditionData,
    VideoTranscodedData,
    VideoUploaded,
    video_rejected,
    video_transcoded,
)
from videoshare.domain.video import Video, VideoStatus
from videoshare.heap import trim_heap
from videoshare.media.cost import DEFAULT_PIXELS_PER_S, CostBudget
from videoshare.media.ffmpeg_command import HLS_DIR
from videoshare.media.ffmpeg_limits import FfmpegLimits
from videoshare.media.probe import MediaRejected, ProbeLimits, ProbeResult, decoder_whitelist
from videoshare.media.transcode import OutputPlan, TranscodeFailed, TranscodeOutput, transcode
from videoshare.usecases.lifecycle import move, rejected_after_upload
from videoshare.usecases.limits import (
    processed_per_day,
    release_storage,
    take_processing_minutes,
)
from videoshare.usecases.ports import Counters, VideoJobPorts
from videoshare.usecases.processing_turns import (
    DEFAULT_TURNS,
    ProcessingTurns,
    end_turn,
    take_turn,
)
from videoshare.usecases.transcode_job import (
    DeletedMeanwhile,
    Phases,
    ProgressReporter,
    abandon,
    fetch_source,
    fresh_work_dir,
    is_deleted,
    ms_since,
)
from videoshare.usecases.transcode_outputs import OutputUploader

log = structlog.get_logger("transcoder")

GAVE_UP_REASON = "The video could not be processed; try again."
BUDGET_SPENT = "processing_budget_spent"
BUDGET_SPENT_REASON = (
    "Your minutes of video processed today (UTC) were spent before this one's turn came; "
    "upload it again after midnight UTC."
)


class TranscoderPorts(VideoJobPorts, Protocol):
    @property
    def counters(self) -> Counters: ...  # the owners' minutes of video processed a day


@dataclass(frozen=True, slots=True)
class TranscodeConfig:
    """The caps a source must keep to (file size, duration, pixels) and how ffmpeg runs."""

    limits: ProbeLimits
    ffmpeg_threads: int
    timeout_s: float
    work_dir: str | None = None  # None: the system temp folder
    ffmpeg_limits: FfmpegLimits = field(default_factory=FfmpegLimits)  # its OS limits
    # what one transcode gets through a second: with `timeout_s`, the most a source may cost
    pixels_per_s: float = DEFAULT_PIXELS_PER_S
    turns: ProcessingTurns = DEFAULT_TURNS  # how many of an owner's videos at once
    seconds_per_day: int | None = None  # an owner's seconds of video processed a day; None: any

    @property
    def budget(self) -> CostBudget:
        return CostBudget(pixels_per_s=self.pixels_per_s, seconds=self.timeout_s)


async def transcode_video(
    ports: TranscoderPorts, event: VideoUploaded, *, producer: str, config: TranscodeConfig
) -> None:
    phases = Phases()
    video_id = event.data.video_id
    # before a byte is fetched: a video waiting its turn costs one conditional update
    await take_turn(ports, event.data.owner_id, video_id, config.turns)
    work_dir = await asyncio.to_thread(fresh_work_dir, config.work_dir, video_id)
    try:
        source = work_dir / "source"
        fetched = asyncio.create_task(
            fetch_source(ports.objects, event.data.source_key, source, config.limits)
        )
        try:
            started = await _start(ports, event, producer)
        except BaseException:
            await abandon(fetched)
            raise
        if started is None:
            await abandon(fetched)
            await end_turn(ports, event.data.owner_id, video_id)
            return
        video, first_attempt = started
        phases.end("start")
        uploader = OutputUploader(ports.objects, video_id, earlier_attempts=not first_attempt)
        reporter = ProgressReporter(ports.videos, video)
        try:
            probed = await fetched
            phases.end("fetch")
            config.budget.check(probed)  # refused before ffmpeg runs rather than timed out
            if first_attempt and not await _charge(ports, config, video, probed.duration_s):
                await _reject(ports, video, event, producer, BUDGET_SPENT, BUDGET_SPENT_REASON)
                return
            output = await _run_ffmpeg(
                config, video, source, work_dir / "out", probed, uploader, reporter
            )
            phases.end("ffmpeg")
        except DeletedMeanwhile:
            await uploader.discard()  # the segments put while ffmpeg ran
            log.info("deleted_while_processing", video_id=video_id, during="ffmpeg")
            await end_turn(ports, video.owner_id, video_id)
            return
        except MediaRejected as rejected:
            await uploader.discard()  # the segments put while ffmpeg ran
            # progress reports have changed the record since it was read: read it again
            video = await ports.videos.get(video_id) or video
            await _reject(ports, video, event, producer, str(rejected.code), rejected.reason)
            return
        except Exception:
            await uploader.discard()
            await reporter.report_playable(False)  # what it played is gone until a retry
            raise
        upload_started = time.monotonic()
        # The record says 100 % while the last outputs go up: not one more hop on the way to
        # `ready`, and written before `video.transcoded` (whose `ready` write it would race).
        async with asyncio.TaskGroup() as finishing:
            finishing.create_task(reporter.report_done())
            finishing.create_task(uploader.finish(output))
        log.info("outputs_uploaded", video_id=video_id, upload_ms=ms_since(upload_started))
        phases.end("upload")
        # said before the clean-up below: the person waiting for `ready` does not wait for it
        outputs = transcoded_data(video, probed, output, source_size=event.data.size_bytes)
        async with asyncio.TaskGroup() as saying:
            saying.create_task(
                ports.publisher.publish(video_transcoded(outputs, cause=event, producer=producer))
            )
            # read once every output is up: a deletion before this read is seen here, and one
            # after it deletes the video's objects (housekeeping, account removal) after they
            # landed, so none is left behind either way
            now = saying.create_task(ports.videos.get(video_id))
        if is_deleted(now.result()):
            await uploader.discard()  # the indexer drops `video.transcoded` of a deleted video
            log.info("deleted_while_processing", video_id=video_id, during="upload")
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
        trim_heap()  # what the uploads used: an idle worker holds no more than it needs
    # the cost is spent: the owner's next video may go (the indexer's one write to `ready`
    # needs no turn)
    await end_turn(ports, video.owner_id, video_id)
    phases.end("publish")
    log.info("transcode_phases", video_id=video_id, **phases.ms)


def transcoded_data(
    video: Video, probed: ProbeResult, output: TranscodeOutput, *, source_size: int
) -> VideoTranscodedData:
    """What `video.transcoded` says of the outputs, at their keys."""
    return VideoTranscodedData(
        video_id=video.id,
        owner_id=video.owner_id,
        duration_s=probed.duration_s,
        width=probed.width,
        height=probed.height,
        size_bytes=source_size,
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
    )


async def _start(
    ports: TranscoderPorts, event: VideoUploaded, producer: str
) -> tuple[Video, bool] | None:
    """The video moved to `processing`, and whether this is the first attempt at it; None when
    there is nothing to transcode (a rejection by an earlier attempt is announced again)."""
    video = await ports.videos.get(event.data.video_id)
    if video is not None and rejected_after_upload(video):
        # Rejected by an earlier attempt that may have crashed before saying so: say it again;
        # the event id is the same, so consumers drop it if it was said.
        code, reason = video.status_code or "rejected", video.status_reason or "It was rejected."
        await _reject(ports, video, event, producer, code, reason)
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
        return await move(ports.videos, video.processing(), expected=video), True
    return video, False


async def _charge(
    ports: TranscoderPorts, config: TranscodeConfig, video: Video, duration_s: float
) -> bool:
    """The source's minutes charged to its owner's day; False when the day's were spent."""
    if config.seconds_per_day is None:
        return True
    per_day = processed_per_day(config.seconds_per_day)
    return await take_processing_minutes(ports, video.owner_id, duration_s, per_day, time.time())


async def _run_ffmpeg(
    config: TranscodeConfig,
    video: Video,
    source: Path,
    out_dir: Path,
    probed: ProbeResult,
    uploader: OutputUploader,
    reporter: ProgressReporter,
) -> TranscodeOutput:
    """ffmpeg, with the outputs it finishes (segments, playlists, poster, sprite) uploaded
    meanwhile; the video is playable once every rung's first segment is stored."""
    await asyncio.to_thread((out_dir / HLS_DIR).mkdir, parents=True)
    started = time.monotonic()
    done = asyncio.Event()
    follower = asyncio.create_task(
        uploader.follow(out_dir, OutputPlan.of(probed), done, reporter.report_playable)
    )
    transcoding = asyncio.create_task(
        transcode(
            source,
            out_dir,
            probed,
            threads=config.ffmpeg_threads,
            timeout_s=config.timeout_s,
            on_progress=reporter.report_running,
            max_pixels=config.limits.max_pixels,
            codec_whitelist=decoder_whitelist(config.limits),
            limits=config.ffmpeg_limits,
        )
    )
    deleted = asyncio.create_task(reporter.deleted.wait())
    try:
        await asyncio.wait([transcoding, deleted], return_when=asyncio.FIRST_COMPLETED)
        if not transcoding.done():  # ffmpeg is killed with its task
            raise DeletedMeanwhile(video.id)
        output = transcoding.result()
    except TranscodeFailed as exc:
        raise RetryLater(f"ffmpeg failed: {exc}") from exc
    finally:
        await abandon(deleted)
        await abandon(transcoding)  # done already, but when this job is cancelled or deleted
        done.set()  # the follower ends its round: nothing it puts lands after the final pass
        await asyncio.wait([follower])
    if not follower.cancelled() and (error := follower.exception()) is not None:
        # early uploads save time and make the video playable sooner; the final pass puts
        # whatever they did not
        log.warning("early_uploads_stopped", video_id=video.id, error=repr(error))
    log.info(
        "transcoded",
        video_id=video.id,
        renditions=[r.name for r in output.renditions],
        transcode_ms=ms_since(started),
        # ffmpeg alone: its CPU against its wall clock shows what else the machine ran
        ffmpeg_ms=round(output.ffmpeg.wall_s * 1000, 1) if output.ffmpeg else None,
        ffmpeg_cpu_s=round(output.ffmpeg.cpu_s, 3) if output.ffmpeg else None,
    )
    return output


async def _reject(
    ports: TranscoderPorts,
    video: Video,
    event: VideoUploaded,
    producer: str,
    code: str,
    reason: str,
) -> None:
    if video.status is VideoStatus.PROCESSING:
        video = await move(ports.videos, video.rejected(code, reason), expected=video)
    if video.status is VideoStatus.REJECTED:
        # the source goes with housekeeping, on the `video.rejected` below: this process may
        # not delete under `uploads/` (its task role, infra/processes.py)
        await release_storage(ports, video.owner_id, video.id)
        await end_turn(ports, video.owner_id, video.id)
    await ports.publisher.publish(
        video_rejected(
            video,
            code,
            reason,
            cause_id=event.id,
            producer=producer,
            correlation_id=event.correlation_id,
        )
    )
