"""Test media made on the spot with imageio-ffmpeg's FFmpeg and its lavfi sources.

Every clip is tiny and synthetic (`testsrc` pictures, a `sine` tone), so making one takes about
0.1 s. Also here: hostile files shaped like what people (or attackers) upload instead of a video,
and two witnesses: whether a FIFO was opened, and whether ffmpeg children are still alive.
"""

from __future__ import annotations

import errno
import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

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
) -> Path:
    """Write a test-pattern clip (with a 440 Hz tone when `audio`, as long unless told) to `path`.

    `rotate` stores a display matrix (counter-clockwise degrees, FFmpeg's convention) without
    turning the pixels, as phones do. `sample_aspect` ("4/3") makes the pixels non-square, as
    DV and some broadcast files have them. `streamed` writes through a pipe, so the container
    holds no duration and no index, like a browser's MediaRecorder output.
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
        argv += ["-c:a", "libopus" if container == "webm" else "aac", "-b:a", "64k"]
    argv += [*_VIDEO_ENCODERS[codec], "-f", _MUXERS[container]]
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


def write_empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def write_truncated(source: Path, path: Path, *, keep_bytes: int = 4096) -> Path:
    """The first `keep_bytes` of `source`: an upload cut short (an MP4's index comes last)."""
    with source.open("rb") as file:
        path.write_bytes(file.read(keep_bytes))
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
