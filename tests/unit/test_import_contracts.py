"""The layer contracts (`[tool.importlinter]` in pyproject.toml) hold, and they do catch what
they forbid: a copy of the package with one forbidden import added fails the contract it
breaks, while the unchanged copy passes.

`lint-imports` runs as a child process (it is also in `make lint`), on the copy through
PYTHONPATH, which comes before the editable install's path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS: dict[str, str] = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
}


def lint_imports(package_parent: Path | None = None) -> tuple[int, str]:
    """Exit code and output (whitespace folded: it wraps long names) of `lint-imports` on the
    installed package, or on the copy under `package_parent`."""
    env = {**os.environ}
    if package_parent is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(package_parent), env.get("PYTHONPATH")])
        )
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(PYPROJECT)],
        cwd=package_parent or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.returncode, " ".join((result.stdout + result.stderr).split())


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the package's Python files; returns the folder that holds `videoshare/`."""
    shutil.copytree(
        ROOT / "src" / "videoshare",
        tmp_path / "videoshare",
        ignore=shutil.ignore_patterns("static", "__pycache__"),
    )
    return tmp_path


def test_the_package_keeps_every_contract() -> None:
    code, output = lint_imports()
    assert code == 0, output
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in output


def test_an_unchanged_copy_keeps_every_contract(package_copy: Path) -> None:
    code, output = lint_imports(package_copy)
    assert code == 0, output
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in output


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        ("domain/video.py", "import aiohttp", "domain"),
        ("domain/keys.py", "from videoshare.settings import Settings", "domain"),
        ("domain/events.py", "from videoshare.entrypoints.cli import main", "domain"),
        ("usecases/search.py", "import aiobotocore", "usecases"),
        ("bus/outcomes.py", "from videoshare.domain import events", "bus"),
        ("media/sniff.py", "import botocore", "media"),
        ("entrypoints/cli/main.py", "from videoshare.entrypoints.http import app", "entrypoints"),
        ("entrypoints/http/bearer.py", "from videoshare.local import emulator", "emulator"),
        ("entrypoints/cli/parser.py", "from videoshare.entrypoints.cli import main", "acyclic"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    package_copy: Path, module: str, forbidden_import: str, contract: str
) -> None:
    path = package_copy / "videoshare" / module
    source = path.read_text(encoding="utf-8")
    marker = "from __future__ import annotations\n"
    assert marker in source, f"{module} has no place for the import"
    path.write_text(source.replace(marker, f"{marker}\n{forbidden_import}\n", 1), encoding="utf-8")

    code, output = lint_imports(package_copy)

    assert code != 0, output
    assert f"{CONTRACTS[contract]} BROKEN" in output
    importer = "videoshare." + module.removesuffix(".py").replace("/", ".")
    relative = "." + importer.rsplit(".", 1)[1]  # how a cycle's report names it
    assert f"{importer} ->" in output or f"{relative} ->" in output, "names the importer"
