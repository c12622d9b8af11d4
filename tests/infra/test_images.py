"""The Dockerfiles and the LocalStack hook, read as text (no Docker daemon here): multi-stage,
not root, a health check that is a real command, and every path they copy exists and is sent."""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from tests.infra.support import ROOT, parse_command
from videoshare.infra.processes import processes

HOOK = ROOT / "localstack" / "init" / "ready.d" / "10-provision.sh"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def stages(path: Path) -> list[Stage]:
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    found: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else None
            found.append(Stage(words[0], name))
        elif found:
            found[-1].instructions.append((keyword, args.strip()))
    return found


def copied_sources(stage: Stage) -> list[str]:
    sources: list[str] = []
    for args in stage.all("COPY"):
        if "--from=" in args:
            continue
        words = [w for w in shlex.split(args) if not w.startswith("--")]
        sources += words[:-1]
    return sources


def sent_to_the_build(path: str) -> bool:
    """Whether .dockerignore (everything out, then a list of exceptions) lets `path` through."""
    rules = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [r.strip() for r in rules if r.strip() and not r.startswith("#")]
    assert rules[0] == "*", "the context is a list of exceptions"
    allowed = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    return path.rstrip("/") in allowed


def test_the_image_is_multi_stage_and_the_runtime_takes_only_the_wheels() -> None:
    build, runtime = stages(ROOT / "Dockerfile")
    assert build.name == "build"
    assert runtime.name == "runtime"
    assert any("pip wheel" in r for r in build.all("RUN"))
    assert any("from=build" in r and "/wheels" in r for r in runtime.all("RUN"))
    assert not copied_sources(runtime), "the runtime stage copies no sources, only wheels"
    assert "slim" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    runtime = stages(ROOT / "Dockerfile")[-1]
    (user,) = runtime.all("USER")
    assert user not in {"root", "0"}
    assert not user.startswith(("root:", "0:"))
    assert any("useradd" in r and user in r for r in runtime.all("RUN"))


def test_entrypoint_is_videoshare_and_the_default_command_is_real() -> None:
    runtime = stages(ROOT / "Dockerfile")[-1]
    assert json.loads(runtime.all("ENTRYPOINT")[0]) == ["videoshare"]
    assert parse_command(json.loads(runtime.all("CMD")[0])) == ("api", None)


def test_the_health_check_is_the_real_healthcheck_command() -> None:
    runtime = stages(ROOT / "Dockerfile")[-1]
    (check,) = runtime.all("HEALTHCHECK")
    exec_form = json.loads(check.split(" CMD ", 1)[1])
    assert exec_form[0] == "videoshare"
    assert parse_command(exec_form[1:]) == ("healthcheck", None)


def test_every_port_a_process_serves_is_exposed() -> None:
    runtime = stages(ROOT / "Dockerfile")[-1]
    exposed = {int(p) for args in runtime.all("EXPOSE") for p in args.split()}
    assert {p.port for p in processes()} <= exposed


def test_every_copied_path_exists_and_is_sent_to_the_build() -> None:
    for dockerfile in (ROOT / "Dockerfile", ROOT / "localstack" / "Dockerfile"):
        for stage in stages(dockerfile):
            for source in copied_sources(stage):
                assert (ROOT / source).exists(), f"{dockerfile.name}: {source} does not exist"
                assert sent_to_the_build(source), f".dockerignore keeps {source} out"


def test_the_localstack_image_installs_the_project_for_its_hook() -> None:
    (stage,) = stages(ROOT / "localstack" / "Dockerfile")
    assert any("/opt/videoshare/bin/pip install" in r for r in stage.all("RUN"))
    assert os.access(HOOK, os.X_OK), "LocalStack runs only executable shell hooks"
    lines = HOOK.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#!/")
    last = shlex.split(lines[-1])
    assert last[:2] == ["exec", "/opt/videoshare/bin/videoshare"]
    assert parse_command(last[2:]) == ("provision", None)
