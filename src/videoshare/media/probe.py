"""Probe an uploaded file with PyAV: is it a video we accept, and what are its facts?

`probe()` is synchronous and CPU-light (10 to 50 ms for an ordinary file: the header plus one
decoded frame); call it through `asyncio.to_thread` from async code. It raises `MediaRejected`
with a stable `code` and a `reason` a person can read; any other exception is a bug or an I/O
problem on our side, never the upload's fault.

Safety, in the order the checks run:
  1. the first bytes must sniff as MP4/QuickTime or Matroska/WebM (`sniff.py`), so a playlist,
     image or text file never reaches FFmpeg;
  2. FFmpeg opens the file with that one demuxer forced, a format whitelist and
     `protocol_whitelist=file`: a playlist disguised as a video cannot make it read local files;
  3. pixel count, duration and codecs (video and audio, each from an allowlist) are checked
     from the header before any frame is decoded, and `max_pixels` is set on the decoder too
     (also during stream-info probing), so a small file declaring huge frames cannot make us
     allocate them;
  4. `codec_whitelist` (`decoder_whitelist`) is set on the demuxer and on the decoder: no
     decoder outside the lists can be opened, even by stream-info probing or a stream the
     checks did not look at. The ffmpeg CLI gets the same list (`ffmpeg_command.py`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Final

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.error import FFmpegError
from av.packet import Packet
from av.stream import Disposition
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from videoshare.media.boxes import top_level_shortfall
from videoshare.media.sniff import ISO_BMFF, MATROSKA, SNIFF_BYTES, sniff_container

FORMAT_WHITELIST: Final = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
_DEMUXER_OF_FAMILY: Final = {ISO_BMFF: "mov", MATROSKA: "matroska"}
_PLAUSIBLE_SAR: Final = (Fraction(1, 4), Fraction(4, 1))

DEFAULT_MAX_PIXELS: Final = 4096 * 2304
"""9.4 Mpx: 4K UHD (3840x2160) and DCI 4K (4096x2160) in either orientation pass; 8K does not."""
DEFAULT_MAX_DURATION_S: Final = 4 * 3600.0
# What phones, cameras, browsers and editors write. Every other FFmpeg decoder stays out of reach
# of uploads: obscure decoders are where FFmpeg's security bugs tend to live.
DEFAULT_VIDEO_CODECS: Final = frozenset(
    {
        "h264", "hevc", "vp8", "vp9", "av1",
        "mpeg4", "h263", "mpeg1video", "mpeg2video",
        "prores", "dnxhd", "mjpeg",
    }
)  # fmt: skip
# The same for sound: what phones, cameras, browsers and editors put beside the picture.
DEFAULT_AUDIO_CODECS: Final = frozenset(
    {
        "aac", "mp3", "mp2", "opus", "vorbis", "flac", "alac", "ac3", "eac3",
        "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_f32le", "amr_nb", "amr_wb",
    }
)  # fmt: skip
# The FFmpeg decoders of a codec, where their names differ from the codec's (software ones
# only: the hardware decoders stay out). Names this build lacks are harmless in a whitelist.
_DECODERS: Final = {
    "vp8": ("vp8", "libvpx"),
    "vp9": ("vp9", "libvpx-vp9"),
    "av1": ("av1", "libdav1d", "libaom-av1"),
    "mpeg2video": ("mpeg2video", "mpegvideo"),
    "aac": ("aac", "aac_fixed"),
    "mp3": ("mp3", "mp3float"),
    "mp2": ("mp2", "mp2float"),
    "opus": ("opus", "libopus"),
    "vorbis": ("vorbis", "libvorbis"),
    "ac3": ("ac3", "ac3_fixed"),
    "amr_nb": ("amrnb", "libopencore_amrnb"),
    "amr_wb": ("amrwb", "libopencore_amrwb"),
}


class RejectCode(StrEnum):
    NOT_A_VIDEO = "not_a_video"
    NO_VIDEO_STREAM = "no_video_stream"
    CORRUPT = "corrupt"
    TOO_LONG = "too_long"
    RESOLUTION_TOO_LARGE = "resolution_too_large"
    RESOLUTION_TOO_SMALL = "resolution_too_small"
    UNSUPPORTED_CODEC = "unsupported_codec"
    FILE_TOO_LARGE = "file_too_large"
    TOO_COSTLY = "too_costly"  # over the cost budget, or past ffmpeg's OS limits or timeout


class MediaRejected(Exception):
    """The upload is not a video we accept. Permanent: retrying will not change the answer."""

    def __init__(self, code: RejectCode, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ProbeLimits:
    max_file_bytes: int | None = None  # None: no cap here
    max_duration_s: float = DEFAULT_MAX_DURATION_S
    max_pixels: int = DEFAULT_MAX_PIXELS  # width x height of the stored frame
    min_side: int = 16  # pixels, the shorter side
    video_codecs: frozenset[str] = DEFAULT_VIDEO_CODECS
    audio_codecs: frozenset[str] = DEFAULT_AUDIO_CODECS
    # Packets read without a decoded picture before the file counts as corrupt.
    max_packets_to_first_frame: int = 300


@dataclass(frozen=True, slots=True)
class ProbeResult:
    container: str  # the demuxer to force when reading the file again: "mov" or "matroska"
    duration_s: float  # the longest stream's
    video_duration_s: float  # the video stream's own (the poster is picked within it)
    width: int  # display size: sample aspect ratio and rotation applied
    height: int
    frame_width: int  # the decoded frame's size, before sample aspect ratio and rotation
    frame_height: int
    rotation: int  # 0, 90, 180 or 270 degrees counter-clockwise; the ffmpeg CLI applies it
    video_codec: str
    video_stream_index: int
    frame_rate: float | None  # average frames per second, None when the file does not say
    has_audio: bool
    audio_codec: str | None
    audio_stream_index: int | None


def probe(path: Path, *, limits: ProbeLimits) -> ProbeResult:
    """Check the file at `path` against `limits` and describe it; raises `MediaRejected`."""
    with path.open("rb") as file:
        check_file_size(os.fstat(file.fileno()).st_size, limits)
        head = file.read(SNIFF_BYTES)
    family = sniff_container(head)
    if family is None:
        what = "an empty file" if not head else "not an MP4, QuickTime, Matroska or WebM video"
        raise MediaRejected(RejectCode.NOT_A_VIDEO, f"The upload is {what}.")
    kind = "an MP4/QuickTime" if family == ISO_BMFF else "a Matroska/WebM"
    try:
        container = open_media(path, demuxer=_DEMUXER_OF_FAMILY[family], limits=limits)
    except FFmpegError as error:
        raise MediaRejected(
            RejectCode.CORRUPT,
            f"The file starts like {kind} video but cannot be read; it may be damaged or "
            f"incomplete ({_ffmpeg_says(error)}).",
        ) from error
    with container:
        try:
            described = _describe(container, _DEMUXER_OF_FAMILY[family], limits)
        except FFmpegError as error:
            raise MediaRejected(
                RejectCode.CORRUPT,
                f"The video cannot be decoded; it may be damaged ({_ffmpeg_says(error)}).",
            ) from error
    if family == ISO_BMFF:
        _check_complete(path)
    return described


def check_file_size(size_bytes: int, limits: ProbeLimits) -> None:
    """Refuse a file larger than `limits.max_file_bytes` (before fetching it, when one can)."""
    if limits.max_file_bytes is not None and size_bytes > limits.max_file_bytes:
        raise MediaRejected(
            RejectCode.FILE_TOO_LARGE,
            f"The file is {size_bytes:,} bytes; the largest accepted is "
            f"{limits.max_file_bytes:,} bytes.",
        )


def decoder_whitelist(limits: ProbeLimits) -> str:
    """FFmpeg's `codec_whitelist`: every decoder of the allowed video and audio codecs."""
    codecs = limits.video_codecs | limits.audio_codecs
    return ",".join(sorted({name for c in codecs for name in _DECODERS.get(c, (c,))}))


def open_media(path: Path, *, demuxer: str | None, limits: ProbeLimits) -> InputContainer:
    """Open an untrusted file with PyAV the only way this service does: whitelisted and capped.

    `demuxer` forces one FFmpeg demuxer ("mov", "matroska"); None lets FFmpeg pick among the
    whitelisted ones. `max_pixels` reaches the decoders that stream-info probing opens; the
    caller must set it again on any codec context it decodes with (see `_first_frame`).
    """
    return av.open(
        f"file:{path.resolve()}",
        mode="r",
        format=demuxer,
        container_options={
            "protocol_whitelist": "file",
            "format_whitelist": FORMAT_WHITELIST,
            "codec_whitelist": decoder_whitelist(limits),
        },
        options={"max_pixels": str(limits.max_pixels)},
    )


def _describe(container: InputContainer, demuxer: str, limits: ProbeLimits) -> ProbeResult:
    stream = _main_video_stream(container)
    ctx = stream.codec_context  # None when this FFmpeg build has no decoder for it
    codec = ctx.codec.canonical_name if ctx is not None else "an unknown codec"
    if ctx is None or codec not in limits.video_codecs:
        raise MediaRejected(
            RejectCode.UNSUPPORTED_CODEC,
            f"Videos encoded with {codec} are not supported; "
            "H.264, HEVC, VP8, VP9 and AV1 are, among others.",
        )
    _check_size(ctx.width, ctx.height, limits)
    duration_s = _declared_duration_s(container, stream)
    if duration_s is not None:
        _check_duration(duration_s, limits)  # before decoding anything

    packets = container.demux(stream)
    frame = _first_frame(stream, packets, limits)
    if duration_s is None:
        duration_s = _measure_duration_s(stream, packets, stop_after_s=limits.max_duration_s)
        _check_duration(duration_s, limits)

    rotation = round(frame.rotation / 90) * 90 % 360
    sar = ctx.sample_aspect_ratio  # non-square pixels (DV, broadcast); absurd values ignored
    width = (
        round(ctx.width * sar)
        if sar and _PLAUSIBLE_SAR[0] <= sar <= _PLAUSIBLE_SAR[1]
        else ctx.width
    )
    display = (ctx.height, width) if rotation in (90, 270) else (width, ctx.height)
    audio = _main_audio_stream(container)
    audio_codec = _allowed_audio_codec(audio, limits)
    rate = stream.average_rate or stream.guessed_rate
    return ProbeResult(
        container=demuxer,
        duration_s=duration_s,
        video_duration_s=_stream_duration_s(stream) or duration_s,
        width=display[0],
        height=display[1],
        frame_width=ctx.width,
        frame_height=ctx.height,
        rotation=rotation,
        video_codec=codec,
        video_stream_index=stream.index,
        frame_rate=float(rate) if rate else None,
        has_audio=audio is not None,
        audio_codec=audio_codec,
        audio_stream_index=audio.index if audio is not None else None,
    )


def _main_video_stream(container: InputContainer) -> VideoStream:
    for stream in container.streams.video:
        if not stream.disposition & Disposition.attached_pic:  # cover art is not the video
            return stream
    raise MediaRejected(RejectCode.NO_VIDEO_STREAM, "The file has no video in it.")


def _main_audio_stream(container: InputContainer) -> AudioStream | None:
    return next((s for s in container.streams.audio if s.codec_context is not None), None)


def _allowed_audio_codec(audio: AudioStream | None, limits: ProbeLimits) -> str | None:
    """The sound's codec, if it is one we decode; `MediaRejected` otherwise."""
    if audio is None:
        return None
    codec = audio.codec_context.codec.canonical_name
    if codec not in limits.audio_codecs:
        raise MediaRejected(
            RejectCode.UNSUPPORTED_CODEC,
            f"Sound encoded with {codec} is not supported; AAC, MP3, Opus, Vorbis, FLAC and "
            "PCM are, among others.",
        )
    return codec


def _check_complete(path: Path) -> None:
    """An MP4 whose index comes first opens fine even when its media data was cut short."""
    shortfall = top_level_shortfall(path)
    if shortfall is None:
        return
    if shortfall.missing_bytes == 0:
        problem = f"its {shortfall.box!r} box declares an impossible size"
    else:
        problem = f"its {shortfall.box!r} box needs {shortfall.missing_bytes:,} bytes more"
    raise MediaRejected(
        RejectCode.CORRUPT,
        f"The file is incomplete or damaged: {problem}; upload the whole file again.",
    )


def _check_size(width: int, height: int, limits: ProbeLimits) -> None:
    if width <= 0 or height <= 0:
        raise MediaRejected(RejectCode.CORRUPT, "The video does not say how large its frames are.")
    if width * height > limits.max_pixels:
        raise MediaRejected(
            RejectCode.RESOLUTION_TOO_LARGE,
            f"The video is {width}x{height}, more than the {limits.max_pixels:,} pixels a frame "
            "we accept (4K fits).",
        )
    if min(width, height) < limits.min_side:
        raise MediaRejected(
            RejectCode.RESOLUTION_TOO_SMALL,
            f"The video is {width}x{height}; each side must be at least {limits.min_side} pixels.",
        )


def _check_duration(duration_s: float, limits: ProbeLimits) -> None:
    if duration_s > limits.max_duration_s:
        raise MediaRejected(
            RejectCode.TOO_LONG,
            f"The video lasts {_hms(duration_s)}; the longest accepted is "
            f"{_hms(limits.max_duration_s)}.",
        )


def _declared_duration_s(container: InputContainer, stream: VideoStream) -> float | None:
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return _stream_duration_s(stream)  # None e.g. for a browser's MediaRecorder WebM


def _stream_duration_s(stream: VideoStream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _first_frame(
    stream: VideoStream, packets: Iterator[Packet[VideoStream]], limits: ProbeLimits
) -> VideoFrame:
    ctx = stream.codec_context
    ctx.options = {  # av.open(…) stops short of the decoder: set both on it again
        "max_pixels": str(limits.max_pixels),
        "codec_whitelist": decoder_whitelist(limits),
    }
    ctx.thread_count = 1  # one frame wanted: frame threading would only add latency
    for count, packet in enumerate(packets):
        if count > limits.max_packets_to_first_frame:
            break
        frames = ctx.decode(packet)
        if not frames and packet.is_keyframe:
            # A decoder that reorders (B-frames) holds a keyframe's picture back until later
            # packets arrive: two more at 720p, ~40 ms of decoding. Draining it gives the picture
            # now; the reset lets the next packet start afresh if there was none.
            frames = ctx.decode(None)
            ctx.flush_buffers()
        for frame in frames:
            return frame
    raise MediaRejected(RejectCode.CORRUPT, "No picture could be decoded from the video.")


def _measure_duration_s(
    stream: VideoStream, packets: Iterator[Packet[VideoStream]], *, stop_after_s: float
) -> float:
    """Read (not decode) the rest of the video packets to find where the last one ends."""
    time_base = stream.time_base or Fraction(1, 1000)
    start = stream.start_time or 0
    end = start
    for packet in packets:
        if packet.pts is not None:
            end = max(end, packet.pts + (packet.duration or 0))
            if (end - start) * time_base > stop_after_s:
                break  # too long already: no need to read the rest
    return float((end - start) * time_base)


def _ffmpeg_says(error: FFmpegError) -> str:
    return error.strerror or type(error).__name__


def _hms(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
