"""ffmpeg's `-progress` keys and per-frame encoder lines turned into a percentage that only goes
forward."""

from __future__ import annotations

import asyncio

from videoshare.media.ffmpeg_process import ENCODED_FORMAT, ProgressMeter, _report_progress


def test_progress_counts_video_frames_when_their_total_is_known() -> None:
    meter = ProgressMeter(duration_s=10.0, total_frames=250)
    meter.update("out_time_us", "9500000")  # the audio, encoded far ahead of the pictures
    assert meter.percent == 0.0
    meter.update("frame", "50")
    assert meter.percent == 20.0


def test_progress_falls_back_to_output_time() -> None:
    meter = ProgressMeter(duration_s=10.0, total_frames=None)
    meter.update("frame", "50")
    meter.update("out_time_us", "2500000")
    assert meter.percent == 25.0


def test_progress_never_goes_backwards_and_ignores_na() -> None:
    meter = ProgressMeter(duration_s=10.0, total_frames=100)
    meter.update("frame", "60")
    meter.update("frame", "40")
    meter.update("frame", "N/A")
    assert meter.percent == 60.0
    meter.update("frame", "500")  # more frames than expected: capped
    assert meter.percent == 100.0


async def reports_of(output: bytes, meter: ProgressMeter) -> list[float]:
    """What `_report_progress` reports of ffmpeg's standard output `output`."""
    stdout = asyncio.StreamReader()
    stdout.feed_data(output)
    stdout.feed_eof()
    reports: list[float] = []

    async def record(percent: float) -> None:
        reports.append(percent)

    await _report_progress(stdout, meter, record)
    return reports


async def test_reports_end_at_100_and_stay_below_it_until_then() -> None:
    output = b"frame=100\nout_time_us=N/A\nprogress=continue\nframe=100\nprogress=end\n"
    reports = await reports_of(output, ProgressMeter(10.0, 100))
    assert reports == [99.9, 100.0]  # all frames out, but not done until ffmpeg says "end"


def test_encoder_lines_count_frames_or_else_seconds() -> None:
    line = ENCODED_FORMAT.replace("{n}", "50").replace("{t}", "2.5").strip()
    key, _, value = line.partition("=")
    counted = ProgressMeter(duration_s=10.0, total_frames=250)
    counted.update(key, value)
    assert counted.percent == 20.0
    timed = ProgressMeter(duration_s=10.0, total_frames=None)
    timed.update(key, value)
    assert timed.percent == 25.0


async def test_encoder_lines_report_progress_before_any_progress_block() -> None:
    """`-progress` is silent until every output has started (the storyboard's, at the end):
    the encoder's lines alone report, at most once a second."""
    output = b"encoded=0,0.0\nencoded=25,1.0\nencoded=50,2.0\nframe=100\nprogress=end\n"
    reports = await reports_of(output, ProgressMeter(10.0, 100))
    assert reports == [0.0, 100.0]  # the later lines fell within the same second
