"""The web app's files: which requests reach a file, how long each may be cached, and that the
vendored modules are exactly what the manifest says (and what the app imports)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from videoshare.web.routes import (
    FOREVER,
    REVALIDATE,
    STATIC_DIR,
    cache_control_for,
    static_file,
)
from videoshare.web.vendoring import PINS, Pin, rewrite_bare_imports, sha256

MANIFEST = json.loads((STATIC_DIR / "vendor" / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("requested", ["js/main.js", "app.css", "vendor/htm-3.1.1.mjs"])
def test_files_of_the_app_are_found(requested: str) -> None:
    assert static_file(STATIC_DIR, requested) == STATIC_DIR / requested


@pytest.mark.parametrize(
    "requested",
    [
        "",
        "js",  # a folder
        "../routes.py",
        "js/../../routes.py",
        ".hidden",
        "js/.secret.js",
        "/etc/passwd",
        "js\\..\\..\\routes.py",
        "app.css\x00.png",
        "nope.js",
        "../__init__.py",
    ],
)
def test_anything_else_is_not(requested: str) -> None:
    assert static_file(STATIC_DIR, requested) is None


def test_a_symbolic_link_out_of_the_root_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "static"
    root.mkdir()
    outside = tmp_path / "secret.js"
    outside.write_text("secret")
    (root / "link.js").symlink_to(outside)
    assert static_file(root, "link.js") is None


def test_a_file_type_the_app_does_not_serve_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert static_file(tmp_path, "notes.txt") is None


def test_versioned_vendor_modules_are_cached_for_good_the_rest_revalidated() -> None:
    assert cache_control_for(Path("vendor/preact-11.2.0.mjs")) == FOREVER
    assert cache_control_for(Path("vendor/manifest.json")) == REVALIDATE
    assert cache_control_for(Path("js/main.js")) == REVALIDATE
    assert cache_control_for(Path("index.html")) == REVALIDATE


def test_bare_imports_point_at_the_vendored_file_and_source_maps_go() -> None:
    source = 'import{options as n}from"preact";x()\n//# sourceMappingURL=hooks.mjs.map\n'
    rewritten = rewrite_bare_imports(source)
    assert 'from"./preact-11.2.0.mjs"' in rewritten
    assert "sourceMappingURL" not in rewritten
    spaced = rewrite_bare_imports("import { h } from 'preact';")
    assert spaced == "import { h } from './preact-11.2.0.mjs';"


def test_a_module_name_that_only_starts_like_a_pin_is_left_alone() -> None:
    source = 'import x from"preact/compat";'
    assert rewrite_bare_imports(source) == source


def test_vendored_file_names_carry_the_version() -> None:
    assert Pin("preact", "1.2.3", "x", "preact/hooks").filename == "preact-hooks-1.2.3.mjs"


def test_the_manifest_matches_the_pins_and_the_files_on_disk() -> None:
    modules = MANIFEST["modules"]
    assert [(m["package"], m["version"], m["file"]) for m in modules] == [
        (p.package, p.version, p.filename) for p in PINS
    ]
    for module in modules:
        data = (STATIC_DIR / "vendor" / module["file"]).read_bytes()
        assert sha256(data) == module["sha256"], f"{module['file']} was changed by hand"
    on_disk = {p.name for p in (STATIC_DIR / "vendor").glob("*.mjs")}
    assert on_disk == {m["file"] for m in modules}


def test_every_vendored_path_the_app_names_exists() -> None:
    named = set()
    for script in (STATIC_DIR / "js").rglob("*.js"):
        named |= set(re.findall(r"/static/vendor/([\w.\-]+\.mjs)", script.read_text("utf-8")))
    assert named, "the app imports no vendored module?"
    assert named <= {m["file"] for m in MANIFEST["modules"]}


def test_every_app_module_the_app_imports_exists() -> None:
    for script in (STATIC_DIR / "js").rglob("*.js"):
        for target in re.findall(r'from "(\.{1,2}/[\w./\-]+)"', script.read_text("utf-8")):
            assert (script.parent / target).resolve().is_file(), f"{script.name}: {target}"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed to parse with")
@pytest.mark.parametrize(
    "script",
    sorted((STATIC_DIR / "js").rglob("*.js")),
    ids=lambda p: str(p.relative_to(STATIC_DIR)),
)
def test_every_app_module_parses_as_an_es_module(script: Path, tmp_path: Path) -> None:
    copy = tmp_path / "module.mjs"  # .mjs: node parses it as an ES module
    copy.write_bytes(script.read_bytes())
    checked = subprocess.run(["node", "--check", str(copy)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
