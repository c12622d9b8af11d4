"""What transcoding a source will cost, from its probe, against what one transcode may take.
Pure code: the admission check the transcoder makes before ffmpeg starts.

    budget = CostBudget(pixels_per_s=100e6, seconds=1800)   # throughput x the ffmpeg timeout
    budget.check(probed)         # MediaRejected(too_costly) when it could not finish in time

The work is the pixels ffmpeg decodes: duration x the decoded frame's pixels x frames a second
(60 when the file does not say, the most any output keeps). The encodes of the ladder follow
the decode in proportion (each rung is scaled from the one above), so one measured throughput,
pixels a second on this worker's size of machine (`VIDEOSHARE_TRANSCODE_PIXELS_PER_S`), says how
much a transcode may hold within the timeout. A source past it is refused before ffmpeg runs,
with the sizes that would fit, instead of running until the timeout kills it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from videoshare.media.probe import MediaRejected, ProbeResult, RejectCode

UNKNOWN_FRAME_RATE: Final = 60.0  # the most an output keeps (`ffmpeg_command.MAX_OUTPUT_FPS`)
# Measured on this project's 2-core machine (MEDIA-NOTES.md: a 5.3 s 720p25 clip, the whole
# output set in ~0.9 s, about 136 million decoded pixels a second), with room for slower codecs.
DEFAULT_PIXELS_PER_S: Final = 100_000_000


def source_pixels(probed: ProbeResult) -> float:
    """The pixels ffmpeg decodes to transcode `probed`: duration x frame size x frame rate."""
    rate = probed.frame_rate or UNKNOWN_FRAME_RATE
    return probed.duration_s * probed.frame_width * probed.frame_height * rate


@dataclass(frozen=True, slots=True)
class CostBudget:
    pixels_per_s: float  # what one transcode gets through in a second of wall clock
    seconds: float  # the longest one transcode may take (ffmpeg's timeout)

    @property
    def max_pixels(self) -> float:
        return self.pixels_per_s * self.seconds

    def check(self, probed: ProbeResult) -> None:
        """`MediaRejected` (too_costly) when transcoding `probed` would outlast the budget."""
        work = source_pixels(probed)
        if work <= self.max_pixels:
            return
        fits_s = self.max_pixels / (work / probed.duration_s)
        rate = probed.frame_rate or UNKNOWN_FRAME_RATE
        raise MediaRejected(
            RejectCode.TOO_COSTLY,
            f"The video cannot be processed within this service's limits: "
            f"{probed.duration_s:,.0f} s of {probed.frame_width}x{probed.frame_height} at "
            f"{rate:g} frames a second is more than one video may take; at this size and "
            f"frame rate up to {fits_s:,.0f} s fits (a smaller size or a lower frame rate "
            "fits longer).",
        )
