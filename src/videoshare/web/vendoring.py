"""`make vendor`: refresh the web app's vendored ES modules from npm at pinned versions.

    python -m videoshare.web.vendoring          # needs npm; writes static/vendor/ + manifest

Each pinned package is fetched with `npm pack` into a temporary folder, its ESM build copied
under a versioned name (so it can be cached forever), bare imports between the vendored
modules rewritten to relative paths (no import map: an inline script would need a CSP
exception), and the result recorded in `static/vendor/manifest.json` with its sha256.
`make run` and `make test` never need npm: the files are committed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
MANIFEST = VENDOR_DIR / "manifest.json"


@dataclass(frozen=True, slots=True)
class Pin:
    package: str
    version: str
    source: str  # the ESM build inside the npm tarball
    name: str  # the module's name in the app (what `import … from "<name>"` would say)

    @property
    def filename(self) -> str:
        stem = self.name.replace("/", "-")
        return f"{stem}-{self.version}.mjs"


PINS = (
    Pin("preact", "11.2.0", "package/dist/preact.mjs", "preact"),
    Pin("preact", "11.2.0", "package/hooks/dist/hooks.mjs", "preact/hooks"),
    Pin("htm", "3.1.1", "package/dist/htm.mjs", "htm"),
    # The light build: no subtitles, DRM or alternative audio, which the app does not use.
    Pin("hls.js", "1.7.4", "package/dist/hls.light.min.mjs", "hls.js"),
)


def rewrite_bare_imports(source: str, pins: tuple[Pin, ...] = PINS) -> str:
    """Point `from"preact"` (minified or not) at the vendored file next to it, and drop the
    source-map comment (the maps are not vendored; a browser would ask for them in vain)."""
    source = re.sub(r"^//# sourceMappingURL=\S+\s*$", "", source, flags=re.MULTILINE)
    for pin in pins:
        for quote in ('"', "'"):
            bare = f"{quote}{pin.name}{quote}"
            local = f"{quote}./{pin.filename}{quote}"
            source = source.replace(f"from{bare}", f"from{local}")
            source = source.replace(f"from {bare}", f"from {local}")
    return source


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def refresh(vendor_dir: Path = VENDOR_DIR) -> list[dict[str, str]]:
    """Fetch every pin, write the files and the manifest; returns the manifest's entries."""
    if shutil.which("npm") is None:
        raise SystemExit("videoshare: `make vendor` needs npm; install Node.js (it brings npm)")
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for spec in sorted({f"{p.package}@{p.version}" for p in PINS}):
            subprocess.run(
                ["npm", "pack", "--silent", spec], cwd=work, check=True, capture_output=True
            )
        for old in vendor_dir.glob("*.mjs"):
            old.unlink()
        for pin in PINS:
            tarball = work / f"{pin.package.replace('/', '-')}-{pin.version}.tgz"
            with tarfile.open(tarball) as archive:
                member = archive.extractfile(pin.source)
                if member is None:
                    raise SystemExit(f"videoshare: {pin.source} is not in {tarball.name}")
                text = member.read().decode("utf-8")
            data = rewrite_bare_imports(text).encode("utf-8")
            (vendor_dir / pin.filename).write_bytes(data)
            entries.append(
                {
                    "name": pin.name,
                    "package": pin.package,
                    "version": pin.version,
                    "source": pin.source,
                    "file": pin.filename,
                    "sha256": sha256(data),
                }
            )
    MANIFEST.write_text(json.dumps({"modules": entries}, indent=2) + "\n", encoding="utf-8")
    return entries


def main() -> int:
    for entry in refresh():
        print(f"vendored {entry['package']}@{entry['version']} → {entry['file']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
