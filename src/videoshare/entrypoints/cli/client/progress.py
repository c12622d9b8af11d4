"""The progress bar of uploads and downloads: bytes, speed and time left, on stderr."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class TransferProgress:
    """`with TransferProgress("uploading clip.mp4", size) as bar: bar.advance(n)`.

    Disabled (a no-op) when `enabled` is false, e.g. for `--quiet`."""

    def __init__(self, description: str, total: int, *, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task(description, total=total)

    def __enter__(self) -> TransferProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def advance(self, amount: int) -> None:
        """Add `amount` bytes (negative to take back bytes of a failed attempt)."""
        self._progress.advance(self._task, amount)

    def complete(self, done: int) -> None:
        """Mark `done` bytes as already there (the parts a resumed upload skips)."""
        self._progress.update(self._task, completed=done)
