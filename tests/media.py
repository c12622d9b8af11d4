"""Test media made on the spot with imageio-ffmpeg's FFmpeg and its lavfi sources.

Every clip is synthetic (`testsrc` pictures, a `sine` tone) and small, so making one takes about
0.1 s; the named clips of `ACCEPTED_CLIPS` are made once per test session (`accepted_clip`).
Also here: hostile files shaped like what people (or attackers) upload instead of a video, what
a probe says of a file that need not exist (`probe_result`), and witnesses: whether a FIFO was
opened, whether ffmpeg children are still alive, and how much memory probing a file costs.
"""

from __future__ import annotations

import atexit
import errno
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from videoshare.media.probe import ProbeResult
from videoshare.media.transcode import ffmpeg_executable

_QUIET: Final = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
_VIDEO_ENCODERS: Final = {
    "h264": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    "mpeg4": ["-c:v", "mpeg4"],
    "vp8": ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8"],
    "vp9": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"],
    "png": ["-c:v", "png"],  # a real QuickTime codec, but not one we accept
}
_MUXERS: Final = {"mp4": "mp4", "mov": "mov", "mkv": "matroska", "webm": "webm"}


def make_clip(
    path: Path,
    *,
    seconds: float = 2,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    audio: bool = True,
    audio_seconds: float | None = None,
    codec: str = "h264",
    container: str = "mp4",
    rotate: int | None = None,
    sample_aspect: str | None = None,
    streamed: bool = False,
    faststart: bool = False,
    audio_channels: int = 1,
    audio_codec: str | None = None,
) -> Path:
    """Write a test-pattern clip (with a 440 Hz tone when `audio`, as long unless told) to `path`.

    `rotate` stores a display matrix (counter-clockwise degrees, FFmpeg's convention) without
    turning the pixels, as phones do. `sample_aspect` ("4/3") makes the pixels non-square, as
    DV and some broadcast files have them. `streamed` writes through a pipe, so the container
    holds no duration and no index, like a browser's MediaRecorder output. `faststart` puts an
    MP4's index (`moov`) before its media data, as web-ready files have it. `audio_channels`
    6 makes 5.1 sound, as camera and film files have it. `audio_codec` replaces the usual
    AAC (Opus in WebM).
    """
    argv = [ffmpeg_executable(), *_QUIET]
    if rotate is not None:
        argv += ["-display_rotation", str(rotate), "-noautorotate"]
    picture = f"testsrc=size={width}x{height}:rate={fps}:duration={seconds}"
    if sample_aspect is not None:
        picture += f",setsar={sample_aspect}"
    argv += ["-f", "lavfi", "-i", picture]
    if audio:
        tone_seconds = seconds if audio_seconds is None else audio_seconds
        argv += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={tone_seconds}"]
        usual = "libopus" if container == "webm" else "aac"
        argv += ["-c:a", audio_codec or usual, "-b:a", "64k"]
        argv += ["-ac", str(audio_channels)]
    argv += [*_VIDEO_ENCODERS[codec], "-f", _MUXERS[container]]
    if faststart:
        argv += ["-movflags", "+faststart"]
    if streamed:
        with path.open("wb") as out:
            subprocess.run([*argv, "pipe:1"], check=True, stdout=out)
    else:
        subprocess.run([*argv, str(path)], check=True)
    return path


def make_audio_only(path: Path, *, seconds: float = 1) -> Path:
    """An M4A-like MP4 with a tone and no video at all."""
    argv = [ffmpeg_executable(), *_QUIET, "-f", "lavfi", "-i", f"sine=duration={seconds}"]
    subprocess.run([*argv, "-c:a", "aac", "-f", "mp4", str(path)], check=True)
    return path


def make_huge_frame_clip(path: Path, *, width: int = 8192, height: int = 8192) -> Path:
    """One grey H.264 frame of `width`x`height`: a small file that declares enormous pictures."""
    source = f"nullsrc=size={width}x{height}:rate=1:duration=1,format=gray"
    argv = [ffmpeg_executable(), *_QUIET, "-f", "lavfi", "-i", source, "-frames:v", "1"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "log-level=none"]
    subprocess.run([*argv, "-f", "mp4", str(path)], check=True)
    return path


def make_jpeg(path: Path) -> Path:
    """A real JPEG photo (one test-pattern frame), whatever `path`'s suffix says."""
    argv = [ffmpeg_executable(), *_QUIET, "-f", "lavfi", "-i", "testsrc=size=160x120:rate=1"]
    subprocess.run(
        [*argv, "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg", str(path)], check=True
    )
    return path


def write_text(path: Path) -> Path:
    path.write_text("This is a shopping list, not a video.\nmilk\neggs\n")
    return path


def write_mp4_header_then_noise(path: Path, *, size: int) -> Path:
    """An MP4's `ftyp` box and then `size` random bytes: it passes the magic-byte check (the
    browser's and the upload-finalizer's) and is rejected only when probed."""
    ftyp = (24).to_bytes(4, "big") + b"ftypisom" + (512).to_bytes(4, "big") + b"isomiso2"
    path.write_bytes(ftyp + os.urandom(size))
    return path


def write_empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def write_truncated(source: Path, path: Path, *, keep_bytes: int = 4096) -> Path:
    """The first `keep_bytes` of `source`: an upload cut short (an MP4's index comes last)."""
    with source.open("rb") as file:
        path.write_bytes(file.read(keep_bytes))
    return path


def write_truncated_mdat(source: Path, path: Path, *, keep: float = 0.6) -> Path:
    """`source` (with its index first) cut at `keep` of its length: the index is whole and
    describes media data that is partly missing, so the first frames still decode."""
    data = source.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat"), "the source must be faststart"
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def write_without_moov(source: Path, path: Path) -> Path:
    """`source` with its top-level `moov` box (the index) taken out, every other byte kept."""
    data, kept, offset = source.read_bytes(), bytearray(), 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big") or len(data) - offset
        if data[offset + 4 : offset + 8] != b"moov":
            kept += data[offset : offset + size]
        offset += size
    assert len(kept) < len(data), "the source has a moov box"
    path.write_bytes(bytes(kept))
    return path


def write_garbage_in_the_middle(source: Path, path: Path, *, size: int = 4096) -> Path:
    """`source` with `size` random bytes written over the middle of its media data."""
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    data[middle : middle + size] = random.Random(3).randbytes(size)
    path.write_bytes(bytes(data))
    return path


def write_hls_playlist(path: Path, *, segment: Path) -> Path:
    """An HLS playlist whose one segment is a local file: the classic FFmpeg file-read trick."""
    path.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:10.0,\n{segment.resolve()}\n#EXT-X-ENDLIST\n"
    )
    return path


# --- witnesses ------------------------------------------------------------------------------


def someone_opened_for_reading(fifo: Path) -> bool:
    """Whether a reader holds (or is blocked opening) `fifo`; it then gets EOF from us."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ENXIO:  # no reader at all
            return False
        raise
    os.close(fd)
    return True


def run_watching_fifo(call: Callable[[], object], fifo: Path) -> tuple[BaseException | None, bool]:
    """Run `call` in a thread; report what it raised and whether it opened `fifo`.

    Opening a FIFO for reading blocks until a writer comes, so a call that returns on its own
    never opened it, and one that did is seen (and released) here.
    """
    raised: list[BaseException] = []

    def target() -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            raised.append(error)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    opened = False
    deadline = time.monotonic() + 10
    while worker.is_alive() and not opened and time.monotonic() < deadline:
        opened = someone_opened_for_reading(fifo)
        worker.join(0.01)
    opened = opened or someone_opened_for_reading(fifo)
    worker.join(10)
    assert not worker.is_alive()
    return (raised[0] if raised else None), opened


def ffmpeg_children() -> list[int]:
    """Child processes of this test process that are ffmpeg, zombies included."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited meanwhile
        name, _, rest = text.partition("(")[2].rpartition(")")
        if name.startswith("ffmpeg") and int(rest.split()[1]) == os.getpid():
            children.append(int(stat.parent.name))
    return children


# --- clips made once per session ------------------------------------------------------------


ACCEPTED_CLIPS: Final[dict[str, dict[str, Any]]] = {
    "720p-10s": {"seconds": 10, "width": 1280, "height": 720},
    "tiny-2s": {"seconds": 2, "width": 160, "height": 120},
    "rotated-90": {"width": 320, "height": 240, "rotate": 90},
    "portrait": {"width": 360, "height": 640},
    "video-only": {"width": 320, "height": 240, "audio": False},
    "vp9-webm": {"width": 320, "height": 240, "codec": "vp9", "container": "webm"},
    "mov": {"width": 320, "height": 240, "container": "mov", "audio_channels": 6},  # 5.1
}
"""The inputs issue 3 lists as accepted, by name. Short and small but for the one 720p clip."""

_SUFFIX: Final = {"mp4": ".mp4", "mov": ".mov", "mkv": ".mkv", "webm": ".webm"}


@functools.cache
def _session_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="videoshare-clips-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def accepted_clip(name: str) -> Path:
    """The clip `ACCEPTED_CLIPS[name]`, made on first use and kept for the rest of the run."""
    options = ACCEPTED_CLIPS[name]
    suffix = _SUFFIX[str(options.get("container", "mp4"))]
    return make_clip(_session_folder() / f"{name}{suffix}", **options)


# --- what probing costs ---------------------------------------------------------------------

_PROBE_CHILD: Final = """
import json, sys
from pathlib import Path
from videoshare.media.probe import MediaRejected, ProbeLimits, probe
for name in sys.argv[1:]:
    try:
        probe(Path(name), limits=ProbeLimits())
        print(json.dumps([name, None]))
    except MediaRejected as rejected:
        print(json.dumps([name, str(rejected.code)]))
"""
# The child's own high-water mark (kB): `wait4`'s ru_maxrss would count the parent's memory
# the child shared between fork and exec, and pytest's is larger than what is measured here.
_PEAK_RSS: Final = """
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("peak_rss", int(line.split()[1]) * 1024)
"""


_UNGUARDED_DECODE_CHILD: Final = """
import sys, av
with av.open(sys.argv[1]) as container:
    print(next(container.decode(video=0)).width)
"""


def probe_in_child(paths: list[Path]) -> tuple[dict[Path, str | None], int]:
    """Probe each file in a fresh Python process; its rejection codes (None: accepted) and the
    child's peak resident memory in bytes, measured by the kernel (`wait4`)."""
    output, peak_rss = _python_child(_PROBE_CHILD, [str(path) for path in paths])
    codes = {Path(name): code for name, code in map(json.loads, output.splitlines())}
    return codes, peak_rss


def unguarded_decode_in_child(path: Path) -> int:
    """The peak resident memory of a fresh Python decoding the first frame of `path` with PyAV
    and no limits at all: what the probe's guards save."""
    return _python_child(_UNGUARDED_DECODE_CHILD, [str(path)])[1]


def _python_child(code: str, args: list[str]) -> tuple[str, int]:
    """Run `code` in a fresh Python; what it printed, and its peak resident memory in bytes."""
    done = subprocess.run(
        [sys.executable, "-c", code + _PEAK_RSS, *args],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    *lines, last = done.stdout.decode().splitlines()
    label, peak = last.split()
    assert label == "peak_rss"
    return "\n".join(lines), int(peak)


def probe_result(
    width: int = 1280,
    height: int = 720,
    *,
    audio: bool = True,
    duration_s: float = 10.0,
    frame_rate: float | None = 25.0,
) -> ProbeResult:
    """What the probe says of an ordinary H.264 video of these facts (no file behind it)."""
    return ProbeResult(
        container="mov",
        duration_s=duration_s,
        video_duration_s=duration_s,
        width=width,
        height=height,
        frame_width=width,
        frame_height=height,
        rotation=0,
        video_codec="h264",
        video_stream_index=0,
        frame_rate=frame_rate,
        has_audio=audio,
        audio_codec="aac" if audio else None,
        audio_stream_index=1 if audio else None,
    )
