"""What the operating system lets one ffmpeg process use: address space, CPU seconds, the size
of any file it writes, open files. Set with `setrlimit` in the child, between fork and exec, so
a file that makes FFmpeg misbehave meets a wall instead of the worker's machine.

    limits = FfmpegLimits(address_space_bytes=4 * GIB, cpu_s=7200, file_bytes=20 * GIB)
    preexec = limits.preexec(die_with_parent())   # the limits, then the other preexec_fn
    reason = limits.breach(returncode, stderr_text, cpu_used_s)  # a sentence, or None

Past a limit the kernel stops ffmpeg: SIGXCPU over the CPU seconds (ffmpeg exits quietly:
`breach` compares the CPU time it used with the limit), SIGXFSZ (EFBIG) over the
file size; over the open files an open fails ("Too many open files"). `breach` says which.
Over the address space an allocation fails, and FFmpeg says so in many ways ("Cannot allocate
memory" is recognised; x264 answers "Could not open encoder": an ordinary failure, retried
and in the end `failed`).

No network: the input is opened with `protocol_whitelist=file` and every output is a relative
file name, so FFmpeg opens no socket of its own. Cutting the network off at the OS (a network
namespace, seccomp) needs privileges or a helper this worker does not have; the container's
security group is the wall there.
"""

from __future__ import annotations

import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

GIB: Final = 1024**3
# Measured (bench: tests' 1080p and 4K clips, 2 threads): VmPeak ~1.65 GiB, RSS ≤ 310 MiB.
DEFAULT_ADDRESS_SPACE_BYTES: Final = 4 * GIB
DEFAULT_CPU_S: Final = 2 * 3600
DEFAULT_FILE_BYTES: Final = 20 * GIB  # the top rung of a 4-hour video, with room to spare
DEFAULT_OPEN_FILES: Final = 256  # measured: about 10 at once
CPU_GRACE_S: Final = 5


@dataclass(frozen=True, slots=True)
class FfmpegLimits:
    address_space_bytes: int = DEFAULT_ADDRESS_SPACE_BYTES
    cpu_s: int = DEFAULT_CPU_S
    file_bytes: int = DEFAULT_FILE_BYTES
    open_files: int = DEFAULT_OPEN_FILES

    def preexec(self, then: Callable[[], None] | None) -> Callable[[], None]:
        """A `preexec_fn` that sets the limits, then runs `then` (when there is one)."""
        # (limit, soft, hard): at the CPU's soft limit the kernel sends SIGXCPU, which ffmpeg
        # takes as a request to stop (it exits 255, in silence); the hard one is SIGKILL
        triples = (
            (resource.RLIMIT_AS, self.address_space_bytes, self.address_space_bytes),
            (resource.RLIMIT_CPU, self.cpu_s, self.cpu_s + CPU_GRACE_S),
            (resource.RLIMIT_FSIZE, self.file_bytes, self.file_bytes),
            (resource.RLIMIT_NOFILE, self.open_files, self.open_files),
        )

        def in_child() -> None:
            for which, soft, hard in triples:
                _, ceiling = resource.getrlimit(which)
                if ceiling != resource.RLIM_INFINITY:
                    soft, hard = min(soft, ceiling), min(hard, ceiling)
                resource.setrlimit(which, (soft, hard))
            if then is not None:
                then()

        return in_child

    def breach(self, returncode: int, stderr: str, cpu_used_s: float) -> str | None:
        """Which limit stopped ffmpeg (that exited `returncode` after `cpu_used_s` seconds of
        CPU), as a sentence; None when none did."""
        if returncode != 0 and cpu_used_s >= self.cpu_s:
            return f"it used more than {self.cpu_s:,} seconds of CPU"
        if returncode == -signal.SIGXFSZ or "File too large" in stderr:
            return f"it would have written a file over {self.file_bytes:,} bytes"
        if "Cannot allocate memory" in stderr:
            return f"it needed more than {self.address_space_bytes:,} bytes of memory"
        if "Too many open files" in stderr:
            return f"it needed more than {self.open_files} open files"
        return None
