"""ffmpeg under its OS limits (`media/ffmpeg_limits.py`): past each one, the transcode ends in
a rejection (`too_costly`) whose reason names the limit, not in a failure to retry; and the
defaults let an ordinary 1080p transcode through."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media import make_clip
from videoshare.media.ffmpeg_limits import FfmpegLimits
from videoshare.media.probe import MediaRejected, ProbeLimits, RejectCode, probe
from videoshare.media.transcode import TranscodeFailed, transcode

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def clip_1080(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(
        tmp_path_factory.mktemp("limits") / "1080.mp4", seconds=6, width=1920, height=1080
    )


async def _rejection(clip: Path, out: Path, limits: FfmpegLimits) -> MediaRejected:
    source = probe(clip, limits=ProbeLimits())
    with pytest.raises(MediaRejected) as rejected:
        await transcode(clip, out, source, threads=2, timeout_s=300, limits=limits)
    assert rejected.value.code is RejectCode.TOO_COSTLY
    return rejected.value


async def test_the_defaults_let_a_1080p_transcode_through(clip_1080: Path, tmp_path: Path) -> None:
    source = probe(clip_1080, limits=ProbeLimits())
    output = await transcode(clip_1080, tmp_path, source, threads=2, timeout_s=300)
    assert output.renditions[0].height == 1080


async def test_a_file_over_the_size_limit_stops_it(clip_1080: Path, tmp_path: Path) -> None:
    error = await _rejection(clip_1080, tmp_path, FfmpegLimits(file_bytes=64 * 1024))
    assert "it would have written a file over 65,536 bytes" in error.reason


async def test_more_cpu_seconds_than_allowed_stop_it(clip_1080: Path, tmp_path: Path) -> None:
    error = await _rejection(clip_1080, tmp_path, FfmpegLimits(cpu_s=1))
    assert "it used more than 1 seconds of CPU" in error.reason


async def test_more_memory_than_allowed_stops_it(clip_1080: Path, tmp_path: Path) -> None:
    """An encoder that cannot allocate says so in its own words: an ordinary failure (the
    transcoder retries it, then marks the video failed), never a transcode past the limit."""
    source = probe(clip_1080, limits=ProbeLimits())
    limits = FfmpegLimits(address_space_bytes=300 * 1024**2)
    with pytest.raises(TranscodeFailed) as failed:
        await transcode(clip_1080, tmp_path, source, threads=2, timeout_s=300, limits=limits)
    assert failed.value.reason.startswith("ffmpeg exited")
    assert not failed.value.timed_out


async def test_more_open_files_than_allowed_stop_it(clip_1080: Path, tmp_path: Path) -> None:
    error = await _rejection(clip_1080, tmp_path, FfmpegLimits(open_files=6))
    assert "it needed more than 6 open files" in error.reason
