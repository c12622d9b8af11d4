"""The argument list of the one ffmpeg process that makes every output of a video. Pure.

One decode feeds everything. The frames are scaled to the top rung, then split and scaled down
rung by rung (cascaded); each rung is encoded once (H.264 yuv420p, x264 veryfast, CRF capped by
the rung's maxrate, a keyframe every 4 s whatever the frame rate), and the audio once per distinct
bitrate (AAC stereo). x264 is tuned for memory (`X264_OPTIONS`): every frame it holds costs ~10 MB
at 1080p, so a short lookahead, one B-frame and one thread per rung (ffmpeg runs each encoder in
a thread of its own, so the rungs still use every core); bench/results/transcode-history.md.
One `tee` output packages those encoded streams once per rung, as CMAF: an HLS EVENT media
playlist with an init segment (`EXT-X-MAP`) and fragmented-MP4 segments, cut at the forced
keyframes, so every rendition's segments start together. That is the only copy of a rendition:
HLS plays it, and a download is its init segment followed by its segments (a fragmented MP4;
`usecases/downloads.py`). The playlist is an EVENT one while ffmpeg writes, so what has landed
can be played before the end. The poster is taken from the top rung at 10 % of the duration, the
storyboard thumbnails from the smallest rung.

ffmpeg runs in the output folder, so every output name is a plain relative name and nothing in
the tee specification needs escaping but the stream selectors. The layout of that folder mirrors
the bucket's (`domain/keys.py`): `poster.jpg`, `storyboard.jpg`, and `hls/` with `{rung}.m3u8`,
`{rung}_init.mp4` and `{rung}_{nnn}.m4s`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import imageio_ffmpeg

from videoshare.media.ffmpeg_process import ENCODED_FORMAT
from videoshare.media.ladder import Rung
from videoshare.media.probe import (
    DEFAULT_MAX_PIXELS,
    FORMAT_WHITELIST,
    ProbeLimits,
    ProbeResult,
    decoder_whitelist,
)
from videoshare.media.storyboard import SPRITE_NAME, StoryboardPlan

MAX_OUTPUT_FPS: Final = 60  # faster sources (slow-motion phone clips) are resampled to this
KEYFRAME_INTERVAL_S: Final = 4  # = the HLS segment duration: segments cut at forced keyframes
POSTER_NAME: Final = "poster.jpg"
# Measured on 1080p (bench/results/transcode-history.md): ffmpeg's peak RSS 480 → ~260 MiB, the
# top rung's SSIM within 0.005 of x264 veryfast's defaults (lookahead 10, 3 B-frames, 2 threads).
X264_OPTIONS: Final = (
    ("-c:v", "libx264"),
    ("-preset", "veryfast"),
    ("-crf", "23"),
    ("-profile:v", "high"),
    ("-rc-lookahead", "2"),  # frames looked ahead for rate control (veryfast: 10)
    ("-bf", "1"),  # B-frames in a row (veryfast: 3)
    ("-x264-params", "sync-lookahead=0"),  # no extra frame buffer between threads
    ("-threads:v", "1"),  # per encoder: ffmpeg gives each rung's encoder its own thread
)
HLS_DIR: Final = "hls"


def variant_name(rung: Rung) -> str:
    """A rung's HLS media playlist, inside `HLS_DIR`."""
    return f"{rung.name}.m3u8"


def segment_pattern(rung: Rung) -> str:
    return f"{rung.name}_%03d.m4s"


def init_name(rung: Rung) -> str:
    """A rung's init segment (`EXT-X-MAP`), inside `HLS_DIR` beside its segments."""
    return f"{rung.name}_init.mp4"


def ffmpeg_executable() -> str:
    """The static FFmpeg build shipped with imageio-ffmpeg (`IMAGEIO_FFMPEG_EXE` overrides it)."""
    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


def x264_arguments() -> list[str]:
    """The video encoder's options, for every rung (the benchmark's bare ladder uses them too)."""
    return [word for option in X264_OPTIONS for word in option]


def poster_time_s(duration_s: float) -> float:
    """When the poster frame is taken: 10 % in, past fade-ins and black leaders."""
    return max(0.0, duration_s * 0.1)


def ffmpeg_command(
    source: Path,
    probe: ProbeResult,
    rungs: list[Rung],
    storyboard: StoryboardPlan,
    *,
    threads: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    codec_whitelist: str | None = None,
) -> list[str]:
    """The arguments, to run with the output folder (holding an `hls/` folder) as working dir.
    `codec_whitelist` (the decoders the input may use) is the probe's by default."""
    argv = [ffmpeg_executable(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"]
    argv += ["-xerror", "-y", "-progress", "pipe:1"]
    argv += ["-threads", str(threads), "-filter_complex_threads", str(threads)]
    argv += ["-max_pixels", str(max_pixels), "-protocol_whitelist", "file"]
    argv += ["-format_whitelist", FORMAT_WHITELIST, "-f", probe.container]
    argv += ["-codec_whitelist", codec_whitelist or decoder_whitelist(ProbeLimits())]
    argv += ["-i", f"file:{source.resolve()}"]
    argv += ["-filter_complex", filter_graph(probe, rungs, storyboard)]

    for index, rung in enumerate(rungs):
        argv += ["-map", f"[r{index}]"]
        argv += [f"-maxrate:v:{index}", str(rung.video_bitrate)]
        argv += [f"-bufsize:v:{index}", str(2 * rung.video_bitrate)]
    argv += x264_arguments()
    argv += ["-force_key_frames:v", f"expr:gte(t,n_forced*{KEYFRAME_INTERVAL_S})"]
    argv += ["-sc_threshold", "0", "-fps_mode:v", "passthrough"]
    audio_bitrates = _audio_bitrates(probe, rungs)
    for index, bitrate in enumerate(audio_bitrates):
        argv += ["-map", f"0:{probe.audio_stream_index}", f"-b:a:{index}", str(bitrate)]
    if audio_bitrates:
        argv += ["-c:a", "aac", "-ac", "2"]  # stereo, whatever the source's layout
    argv += ["-map_metadata", "-1", "-map_chapters", "-1"]
    # the top rung's frames as they are encoded: the progress (`ffmpeg_process.ENCODED_KEY`)
    argv += ["-stats_enc_post:v:0", "pipe:1", "-stats_enc_post_fmt:v:0", ENCODED_FORMAT]
    argv += ["-f", "tee", _tee_slaves(rungs, audio_bitrates)]

    argv += ["-map", "[poster]", "-frames:v", "1", "-update", "1", "-c:v", "mjpeg", "-q:v", "3"]
    argv += ["-map_metadata", "-1", "-f", "image2", POSTER_NAME]
    argv += ["-map", "[storyboard]", "-frames:v", "1", "-update", "1"]
    argv += ["-c:v", "mjpeg", "-q:v", "5", "-map_metadata", "-1", "-f", "image2", SPRITE_NAME]
    return argv


def filter_graph(probe: ProbeResult, rungs: list[Rung], storyboard: StoryboardPlan) -> str:
    """Decode once; scale to the top rung, then split and scale down rung by rung. The poster
    branches off the top rung, the storyboard off the smallest (the cheapest to scale again)."""
    fps = f"fps={MAX_OUTPUT_FPS}," if (probe.frame_rate or 0) > MAX_OUTPUT_FPS + 0.5 else ""
    last = len(rungs) - 1
    top_outputs = ["[r0]", "[p]", "[c0]" if last > 0 else "[s]"]
    chains = [
        f"[0:{probe.video_stream_index}]{fps}scale={rungs[0].width}:{rungs[0].height},setsar=1,"
        f"format=pix_fmts=yuv420p:color_ranges=tv,split={len(top_outputs)}{''.join(top_outputs)}"
    ]
    for index, rung in enumerate(rungs[1:], start=1):
        onward = f"[c{index}]" if index < last else "[s]"
        chains.append(
            f"[c{index - 1}]scale={rung.width}:{rung.height},setsar=1,split=2[r{index}]{onward}"
        )
    chains.append(f"[p]select=gte(t\\,{poster_time_s(probe.video_duration_s):.3f})[poster]")
    chains.append(
        # thumbnail k: the first frame at or after k intervals, and no more than planned
        f"[s]select=gte(t\\,selected_n*{storyboard.interval_s:.6f})"
        f"*lt(selected_n\\,{storyboard.count}),"
        f"scale={storyboard.thumb_width}:{storyboard.thumb_height},setsar=1,"
        f"tile={storyboard.columns}x{storyboard.rows}[storyboard]"
    )
    return ";".join(chains)


def _audio_bitrates(probe: ProbeResult, rungs: list[Rung]) -> list[int]:
    """One AAC encode per distinct bitrate the rungs want; none when the source is silent."""
    if probe.audio_stream_index is None:
        return []
    return list(dict.fromkeys(rung.audio_bitrate for rung in rungs))


def _tee_slaves(rungs: list[Rung], audio_bitrates: list[int]) -> str:
    slaves = []
    for index, rung in enumerate(rungs):
        # `:` inside a slave option value is escaped twice (once for the tee, once for select)
        streams = f"v\\\\:{index}"
        if audio_bitrates:
            streams += f",a\\\\:{audio_bitrates.index(rung.audio_bitrate)}"
        hls = [
            f"select={streams}",
            "f=hls",
            f"hls_time={KEYFRAME_INTERVAL_S}",
            "hls_playlist_type=event",  # grows as segments land; #EXT-X-ENDLIST at the end
            "hls_list_size=0",
            "hls_segment_type=fmp4",
            f"hls_fmp4_init_filename={init_name(rung)}",  # written beside the playlist
            f"hls_segment_filename={HLS_DIR}/{segment_pattern(rung)}",
        ]
        slaves.append(f"[{':'.join(hls)}]{HLS_DIR}/{variant_name(rung)}")
    return "|".join(slaves)
