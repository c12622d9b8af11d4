"""Which /healthz the container health check asks, from the process's command line (pure)."""

from __future__ import annotations

import pytest

from videoshare.entrypoints.cli.healthcheck import (
    NotCheckable,
    Target,
    target_for,
    videoshare_arguments,
)
from videoshare.settings import Settings


@pytest.mark.parametrize(
    ("cmdline", "arguments"),
    [
        (["/opt/venv/bin/python", "/opt/venv/bin/videoshare", "api"], ["api"]),
        (
            ["/sbin/docker-init", "--", "videoshare", "worker", "transcoder"],
            ["worker", "transcoder"],
        ),
        (
            ["/usr/bin/python3", "-m", "videoshare.entrypoints.cli.main", "worker", "notifier"],
            ["worker", "notifier"],
        ),
    ],
)
def test_the_arguments_are_found_behind_any_launcher(
    cmdline: list[str], arguments: list[str]
) -> None:
    assert videoshare_arguments(cmdline) == arguments


def test_a_process_that_is_not_videoshare_is_not_checkable() -> None:
    with pytest.raises(NotCheckable, match="not a videoshare process"):
        videoshare_arguments(["/bin/sh", "-c", "sleep 1"])


def test_the_ingress_is_asked_on_its_api_port_and_any_address_becomes_loopback() -> None:
    settings = Settings(api_host="0.0.0.0", api_port=8181)  # noqa: S104
    assert target_for(["api"], settings) == Target("api", "http://127.0.0.1:8181/healthz")


def test_a_worker_is_asked_on_its_side_server_port() -> None:
    default = target_for(["worker", "transcoder"], Settings())
    assert default == Target("transcoder", "http://127.0.0.1:9102/healthz")
    explicit = target_for(["worker", "notifier"], Settings(health_port=9999, health_host="::"))
    assert explicit.url == "http://127.0.0.1:9999/healthz"


def test_a_random_port_cannot_be_checked() -> None:
    with pytest.raises(NotCheckable, match="picks a free port"):
        target_for(["worker", "notifier"], Settings(health_port=0))


def test_a_command_that_serves_nothing_has_nothing_to_ask() -> None:
    assert target_for(["provision"], Settings()) == Target("provision", None)


def test_an_unknown_command_is_not_checkable() -> None:
    with pytest.raises(NotCheckable, match="not a videoshare command"):
        target_for(["worker", "no-such-worker"], Settings())


def test_the_quick_recognition_agrees_with_the_real_parser() -> None:
    from videoshare.entrypoints.cli.healthcheck import _command
    from videoshare.entrypoints.cli.parser import parser
    from videoshare.infra.processes import processes

    for process in processes():
        args = parser().parse_args(list(process.command))
        assert _command(list(process.command)) == (args.command, getattr(args, "name", None))
