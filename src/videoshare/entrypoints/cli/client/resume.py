"""Resume state: which video an unfinished upload of a file belongs to.

Keyed by the file's absolute path, size and modification time, so an edited or replaced file
never resumes into the old upload. Kept in `uploads.json` (0600) under the config folder, per
API URL, and removed once the upload is complete.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from videoshare.entrypoints.cli.client.config import write_private
from videoshare.entrypoints.cli.client.media_file import MediaFile


@dataclass(frozen=True)
class PendingUpload:
    video_id: str
    upload_id: str | None  # None for a single PUT


def resume_key(api_url: str, media: MediaFile) -> str:
    return f"{api_url}|{media.path.resolve()}|{media.size}|{media.mtime_ns}"


class ResumeStore:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "uploads.json"

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> PendingUpload | None:
        entry = self._read().get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("video_id"), str):
            return None
        upload_id = entry.get("upload_id")
        return PendingUpload(entry["video_id"], upload_id if isinstance(upload_id, str) else None)

    def put(self, key: str, pending: PendingUpload) -> None:
        data = self._read()
        data[key] = asdict(pending)
        write_private(self.path, json.dumps(data, indent=2))

    def forget(self, key: str) -> None:
        data = self._read()
        if data.pop(key, None) is not None:
            write_private(self.path, json.dumps(data, indent=2))
