"""infra/compose.yaml, checked without a Docker daemon: it parses, and it runs the real thing."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.infra.support import ROOT, parse_command, unknown_variables
from videoshare.infra.processes import processes
from videoshare.infra.topology import topology
from videoshare.settings import Settings

COMPOSE = ROOT / "infra" / "compose.yaml"
PROFILES = {"moto", "localstack"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def ours(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the videoshare image."""
    return {
        name: service
        for name, service in compose["services"].items()
        if str(service.get("image", "")).startswith("videoshare:")
    }


def test_every_service_runs_a_real_videoshare_command(compose: dict[str, Any]) -> None:
    services = ours(compose)
    assert services, "no service runs the videoshare image"
    for name, service in services.items():
        command, _ = parse_command(service["command"])
        assert command in {"api", "worker", "provision"}, name


def test_every_process_has_its_own_service_with_its_command(compose: dict[str, Any]) -> None:
    services = ours(compose)
    for process in processes():
        assert process.name in services, f"no compose service for {process.name}"
        assert tuple(services[process.name]["command"]) == process.command
    workers = {c.consumer for c in topology(Settings()).consumers}
    commanded = {parse_command(s["command"])[1] for s in services.values()}
    assert workers <= commanded, f"workers without a service: {sorted(workers - commanded)}"
    assert parse_command(services["provision"]["command"]) == ("provision", None)


def test_every_variable_set_for_videoshare_is_a_real_setting(compose: dict[str, Any]) -> None:
    for name, service in ours(compose).items():
        environment = service.get("environment", {})
        assert isinstance(environment, dict), f"{name}: environment as a mapping, please"
        assert not unknown_variables(environment), name
    hook_env = compose["services"]["localstack"]["environment"]
    read_by_the_hook = {k: v for k, v in hook_env.items() if k.startswith("VIDEOSHARE_")}
    assert not unknown_variables(read_by_the_hook)


def test_each_worker_health_port_is_the_one_its_health_check_asks(
    compose: dict[str, Any],
) -> None:
    services = ours(compose)
    for process in processes():
        service = services[process.name]
        env = service["environment"]
        key = "VIDEOSHARE_HEALTH_PORT" if process.is_worker else "VIDEOSHARE_API_PORT"
        assert int(env[key]) == process.port, process.name
        assert service["healthcheck"]["test"] == ["CMD", "videoshare", "healthcheck"]
        assert env["VIDEOSHARE_MODE"] == "local"  # the emulator's rules (the image says aws)


def test_profiles_choose_the_emulator_and_dependencies_wait_for_it(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert services["moto"]["profiles"] == ["moto"]
    assert services["localstack"]["profiles"] == ["localstack"]
    assert services["provision"]["depends_on"]["moto"]["condition"] == "service_healthy"
    for process in processes():
        service = services[process.name]
        assert set(service["profiles"]) == PROFILES
        depends = service["depends_on"]
        assert depends["provision"]["condition"] == "service_completed_successfully"
        assert depends["localstack"]["condition"] == "service_healthy"
        # each is absent in the other profile
        assert depends["provision"]["required"] is False
        assert depends["localstack"]["required"] is False


def test_the_emulator_has_one_name_inside_and_outside(compose: dict[str, Any]) -> None:
    for emulator in ("moto", "localstack"):
        aliases = compose["services"][emulator]["networks"]["default"]["aliases"]
        assert "localhost.localstack.cloud" in aliases
        assert "4566:4566" in compose["services"][emulator]["ports"]
    for service in ours(compose).values():
        assert service["environment"]["AWS_ENDPOINT_URL"].startswith(
            "http://localhost.localstack.cloud:4566"
        )


def test_the_localstack_hook_is_mounted_where_localstack_runs_ready_hooks(
    compose: dict[str, Any],
) -> None:
    localstack = compose["services"]["localstack"]
    (mount,) = localstack["volumes"]
    source, target, _ = mount.split(":")
    assert target == "/etc/localstack/init/ready.d"
    assert (COMPOSE.parent / source).resolve() == ROOT / "localstack" / "init" / "ready.d"
    build = localstack["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).is_file()
