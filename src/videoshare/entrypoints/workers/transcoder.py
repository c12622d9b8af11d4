"""transcoder: `video.uploaded` → the complete output set of the video and `video.transcoded`,
or `→ rejected` and `video.rejected` when the source is not a video it can safely decode
(`usecases/transcode.py`). When the event's last attempt fails, the video is `failed`.

The probe's caps (file size, duration, pixels), the cost budget (throughput x timeout),
ffmpeg's threads, timeout and OS limits and the temp folder come from settings.
"""

from __future__ import annotations

from videoshare.bus.runtime import Inbound
from videoshare.domain.events import VideoUploaded
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.media.ffmpeg_limits import FfmpegLimits
from videoshare.media.probe import ProbeLimits
from videoshare.settings import Settings
from videoshare.usecases.lifecycle import give_up
from videoshare.usecases.processing_turns import ProcessingTurns
from videoshare.usecases.transcode import GAVE_UP_REASON, TranscodeConfig, transcode_video


def definition(ctx: WorkerContext) -> WorkerDefinition:
    config = transcode_config(ctx.deps.settings)

    async def on_uploaded(event: VideoUploaded) -> None:
        await transcode_video(ctx.deps, event, producer=ctx.name, config=config)

    async def on_give_up(event: Inbound, exc: BaseException) -> None:
        if isinstance(event, VideoUploaded):
            await give_up(
                ctx.deps,
                event.data.video_id,
                cause_id=event.id,
                reason=GAVE_UP_REASON,
                producer=ctx.name,
            )

    return WorkerDefinition(handlers={"video.uploaded": on_uploaded}, on_give_up=on_give_up)


def transcode_config(settings: Settings) -> TranscodeConfig:
    return TranscodeConfig(
        limits=probe_limits(settings),
        ffmpeg_threads=settings.ffmpeg_threads,
        timeout_s=settings.transcode_timeout_s,
        pixels_per_s=settings.transcode_pixels_per_s,
        turns=ProcessingTurns.from_settings(settings),
        seconds_per_day=settings.processing_minutes_per_day * 60,
        work_dir=settings.work_dir,
        ffmpeg_limits=FfmpegLimits(
            address_space_bytes=settings.ffmpeg_max_address_space_bytes,
            cpu_s=settings.ffmpeg_max_cpu_s,
            file_bytes=settings.ffmpeg_max_file_bytes,
            open_files=settings.ffmpeg_max_open_files,
        ),
    )


def probe_limits(settings: Settings) -> ProbeLimits:
    return ProbeLimits(
        max_file_bytes=settings.max_upload_bytes,
        max_duration_s=settings.max_video_duration_s,
        max_pixels=settings.max_video_pixels,
    )
