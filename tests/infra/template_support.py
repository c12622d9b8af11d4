"""Reading the generated template: resources by type, names with the `Stack` parameter filled."""

from __future__ import annotations

from typing import Any

from videoshare.infra.cfn import STACK


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def name_of(value: Any, stack: str) -> str:
    """A `named()` value (`{"Fn::Sub": "${Stack}-x"}`) as it is for stack `stack`."""
    assert isinstance(value, dict), value
    assert set(value) == {"Fn::Sub"}, value
    return str(value["Fn::Sub"]).replace("${%s}" % STACK, stack)  # noqa: UP031


def target_of(value: Any) -> str:
    """The logical id a Ref or GetAtt points at."""
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])


def environment(task: dict[str, Any]) -> dict[str, Any]:
    (container,) = task["Properties"]["ContainerDefinitions"]
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    env.update({s["Name"]: s["ValueFrom"] for s in container.get("Secrets", [])})
    return env
