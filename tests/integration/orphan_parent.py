"""The parent killed by the children-die-with-their-parent test, run as a real process:

    python orphan_parent.py WORK_DIR

It starts what our processes start, the way they start it: the emulator (`local/emulator.py`,
from the main thread, as `make run` and the tests do) and then an ffmpeg that would run for an
hour (`media/ffmpeg_process.py`, from the event loop, as the transcoder does; it writes nothing
to its pipes, so nothing but its parent's death could end it). Then it waits to be killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import imageio_ffmpeg

from videoshare.local.emulator import start_emulator
from videoshare.media.ffmpeg_process import run_ffmpeg
from videoshare.tcp_ports import free_port

FFMPEG_FOR_AN_HOUR = [
    imageio_ffmpeg.get_ffmpeg_exe(),
    "-nostdin",
    "-loglevel",
    "error",
    "-re",  # in real time: an hour of frames takes an hour
    "-f",
    "lavfi",
    "-i",
    "testsrc=size=32x32:rate=5",
    "-t",
    "3600",
    "-f",
    "null",
    "-",
]


def main(work_dir: Path) -> None:
    start_emulator(port=free_port(), log_path=work_dir / "emulator.log")
    asyncio.run(
        run_ffmpeg(
            FFMPEG_FOR_AN_HOUR, cwd=work_dir, duration_s=3600, timeout_s=7200, on_progress=None
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
