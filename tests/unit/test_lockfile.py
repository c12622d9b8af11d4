"""The lock files match pyproject.toml (offline: the digest of its dependency tables, and every
requirement satisfied by a pin), pin everything with hashes, keep the advisory floors, and are
what `make setup` installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.version import Version

from tests.lockfile import (
    DEV_LOCK,
    PYPROJECT,
    ROOT,
    RUNTIME_LOCK,
    Pin,
    inputs_digest,
    normalise,
    pins,
    recorded_inputs,
)

LOCKS = [RUNTIME_LOCK, DEV_LOCK]
# Lowest versions without a known advisory; pyproject.toml must not allow anything older.
ADVISORY_FLOORS = {
    "aiohttp": "3.13.3",  # the advisories of January 2026
    "pyjwt": "2.10.1",  # CVE-2024-53861
    "cryptography": "46.0.5",  # CVE-2026-26007
    "urllib3": "2.6.3",  # CVE-2026-21441
    "requests": "2.32.4",  # CVE-2024-47081
    "jinja2": "3.1.6",  # CVE-2025-27516
    "setuptools": "78.1.1",  # CVE-2025-47273 (the build requirement)
}


def _project() -> dict[str, object]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def _requirements(extras: tuple[str, ...]) -> list[tuple[Requirement, str]]:
    """pyproject's requirements with `extras` (the project's own extras expanded), each with
    the extra it comes from ("" for the base)."""
    project = _project()["project"]
    assert isinstance(project, dict)
    found = [(Requirement(r), "") for r in project["dependencies"]]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for line in project["optional-dependencies"][extra]:
            requirement = Requirement(line)
            if normalise(requirement.name) == normalise(project["name"]):
                todo += sorted(requirement.extras)
            else:
                found.append((requirement, extra))
    return found


def _applies(marker: Marker | str | None, extra: str = "") -> bool:
    if marker is None:
        return True
    marker = Marker(marker) if isinstance(marker, str) else marker
    return marker.evaluate({"extra": extra})


def _pinned(lock: Path) -> dict[str, Pin]:
    """The pins that apply on this machine, by name (a universal lock may pin one package at
    several versions, each under its own marker)."""
    applying = [pin for pin in pins(lock) if _applies(pin.marker)]
    by_name = {pin.name: pin for pin in applying}
    assert len(by_name) == len(applying), f"{lock.name} pins a package twice for this machine"
    return by_name


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_the_lock_was_compiled_from_todays_pyproject(lock: Path) -> None:
    assert recorded_inputs(lock) == inputs_digest(PYPROJECT, lock.name), (
        f"{lock.name} was compiled from other dependencies than pyproject.toml's: `make lock`"
    )


@pytest.mark.parametrize(
    ("lock", "extras"), [(RUNTIME_LOCK, ()), (DEV_LOCK, ("dev",))], ids=["runtime", "dev"]
)
def test_every_requirement_is_satisfied_by_a_pin(lock: Path, extras: tuple[str, ...]) -> None:
    pinned = _pinned(lock)
    requirements = _requirements(extras)
    assert len(requirements) > 10
    for requirement, extra in requirements:
        if not _applies(requirement.marker, extra):
            continue
        pin = pinned.get(normalise(requirement.name))
        assert pin is not None, f"{lock.name} pins no {requirement.name}: `make lock`"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{lock.name} pins {pin.name}=={pin.version}, pyproject asks {requirement}"
        )


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_pin_is_exact_and_hashed(lock: Path) -> None:
    entries = pins(lock)
    assert len(entries) > 30
    for pin in entries:
        assert pin.hashes, f"{pin.name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin.hashes), pin


def test_the_dev_lock_pins_what_the_service_runs_on_alike() -> None:
    runtime, dev = _pinned(RUNTIME_LOCK), _pinned(DEV_LOCK)
    assert runtime.keys() <= dev.keys()
    assert {n: dev[n].version for n in runtime} == {n: p.version for n, p in runtime.items()}


def test_pyproject_allows_no_version_below_an_advisory_floor() -> None:
    document = _project()
    build = document["build-system"]
    assert isinstance(build, dict)
    declared = {
        normalise(r.name): r
        for r in [Requirement(line) for line in build["requires"]]
        + [r for r, _ in _requirements(("dev",))]
    }
    for name, floor in ADVISORY_FLOORS.items():
        lowest = [Version(s.version) for s in declared[name].specifier if s.operator == ">="]
        assert lowest, f"{name} has no floor in pyproject.toml"
        assert max(lowest) >= Version(floor), f"{name} allows versions below {floor}"


def test_make_setup_installs_the_dev_lock_with_hashes_and_again_when_it_changes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    stamp = re.search(r"^\$\(STAMP\):([^|\n]*)", makefile, re.MULTILINE)
    assert stamp is not None
    assert DEV_LOCK.name in stamp[1].split()
    assert re.search(rf"uv pip install .*--require-hashes\s+-r {DEV_LOCK.name}", makefile)
