"""The lock files: every package pinned with its hashes, compiled from pyproject.toml by uv.

    python -m tests.lockfile          # `make lock`: compile both again (newest allowed versions)
    pins(Path("requirements.lock"))   # what a lock pins: name, version, marker, hashes
    recorded_inputs(path) == inputs_digest(pyproject)   # compiled from today's pyproject?

`requirements.lock` holds what the service runs on (`[project] dependencies`; the container
image installs it), `requirements-dev.lock` that and the `dev` extra (`make setup` installs it).
The dev lock is compiled under the runtime one, so both pin a shared package alike. Both are
universal (every platform and Python the project supports, markers where they differ) and carry
the hashes of every file of each pinned release.

Each lock's first lines record a digest of what it was compiled from: the dependency tables of
pyproject.toml (not the rest of it, so a linter setting does not ask for a new lock) and the
compile command. `tests/unit/test_lockfile.py` compares it with today's, offline.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
PYTHON_VERSION = "3.11"  # the oldest the project supports: a universal lock resolves for it up
_COMMON = ("--generate-hashes", "--universal", "--python-version", PYTHON_VERSION)
# What each lock is compiled with (after `uv pip compile pyproject.toml`), paths from ROOT.
COMMANDS: dict[str, tuple[str, ...]] = {
    RUNTIME_LOCK.name: _COMMON,
    DEV_LOCK.name: (*_COMMON, "--extra", "dev", "--constraint", RUNTIME_LOCK.name),
}
DIGEST_LINE = "# inputs-sha256: "


def inputs_digest(pyproject: Path, lock_name: str) -> str:
    """SHA-256 over what decides a lock's content: the dependency tables, the build
    requirements and the lock's compile command."""
    document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = document["project"]
    inputs = {
        "requires-python": project.get("requires-python"),
        "dependencies": project.get("dependencies", []),
        "optional-dependencies": project.get("optional-dependencies", {}),
        "build-system": document.get("build-system", {}).get("requires", []),
        "command": COMMANDS[lock_name],
    }
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def recorded_inputs(lock: Path) -> str | None:
    """The digest a lock was compiled from (None: none recorded)."""
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.startswith(DIGEST_LINE):
            return line.removeprefix(DIGEST_LINE).strip()
    return None


@dataclass(frozen=True, slots=True)
class Pin:
    name: str  # normalised (PEP 503)
    version: str
    marker: str | None
    hashes: tuple[str, ...]


_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>[^\\]+))?"
)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> list[Pin]:
    """Every `name==version [; marker]` entry of a lock, with the hashes under it."""
    found: list[Pin] = []
    for raw in lock.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if match := _PIN.match(raw):
            marker = match["marker"].strip() if match["marker"] else None
            found.append(Pin(normalise(match["name"]), match["version"], marker, ()))
        elif line.startswith("--hash=") and found:
            digest = line.removeprefix("--hash=").rstrip(" \\")
            found[-1] = replace(found[-1], hashes=(*found[-1].hashes, digest))
        elif line and not line.startswith("#"):
            raise ValueError(f"{lock.name}: not a pinned entry: {raw!r}")
    return found


def compile_locks(uv: str) -> None:
    """Compile both locks again with `uv` (the runtime one first: the dev one is under it)."""
    for lock in (RUNTIME_LOCK, DEV_LOCK):
        command = [uv, "pip", "compile", "pyproject.toml", *COMMANDS[lock.name]]
        compiled = subprocess.run(
            [*command, "--quiet", "--upgrade", "--no-header"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        header = (
            f"# {lock.name}: made by `make lock` from pyproject.toml; do not edit by hand.\n"
            f"# uv pip compile pyproject.toml {' '.join(COMMANDS[lock.name])}\n"
            f"{DIGEST_LINE}{inputs_digest(PYPROJECT, lock.name)}\n"
        )
        lock.write_text(header + compiled, encoding="utf-8")
        print(f"{lock.name}: {len(pins(lock))} pins")


if __name__ == "__main__":
    compile_locks(sys.argv[1] if len(sys.argv) > 1 else str(Path(sys.executable).parent / "uv"))
