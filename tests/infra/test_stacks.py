"""The nested stacks: each small enough, each resource in exactly one, and every reference
between them wired through the root (an output of the stack that makes it, passed as a
parameter of the stack that uses it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from videoshare.infra.cfn_stacks import Nested
from videoshare.infra.cloudformation import (
    COMPUTE,
    DATA_PLANE,
    EDGE,
    IDENTITY,
    PARAMETERS,
    exported_files,
    nested,
    template,
)

INLINE_LIMIT = 51_200  # bytes of a template given inline (TemplateBody)
S3_LIMIT = 1_000_000  # bytes of a template read from S3 (TemplateURL)


@pytest.fixture(scope="module")
def stacks() -> Nested:
    return nested()


def test_every_stack_fits_even_inline() -> None:
    for path, text in exported_files().items():
        assert len(text.encode()) < INLINE_LIMIT < S3_LIMIT, path


def test_the_root_nests_data_plane_identity_edge_and_compute(stacks: Nested) -> None:
    kinds = {k: r["Type"] for k, r in stacks.root["Resources"].items()}
    assert kinds == dict.fromkeys(
        (EDGE, DATA_PLANE, IDENTITY, COMPUTE), "AWS::CloudFormation::Stack"
    )
    made = [set(stacks.template_of(part)["Resources"]) for part in kinds]
    assert sum(len(m) for m in made) == len(set().union(*made)), "a resource in two stacks"
    assert set().union(*made) == set(template()["Resources"])


def test_the_data_plane_holds_what_the_emulator_deploys(stacks: Nested) -> None:
    data = {r["Type"] for r in stacks.template_of(DATA_PLANE)["Resources"].values()}
    assert data == {
        "AWS::SNS::Topic",
        "AWS::SNS::Subscription",
        "AWS::SQS::Queue",
        "AWS::SQS::QueuePolicy",
        "AWS::CloudWatch::Alarm",
        "AWS::S3::Bucket",
        "AWS::DynamoDB::Table",
    }
    identity = {r["Type"] for r in stacks.template_of(IDENTITY)["Resources"].values()}
    assert {"AWS::Cognito::UserPool", "AWS::SecretsManager::Secret"} <= identity


def test_every_parameter_is_passed_and_every_output_taken_exists(stacks: Nested) -> None:
    for part, nested_stack in stacks.root["Resources"].items():
        child = stacks.template_of(part)
        passed = nested_stack["Properties"]["Parameters"]
        assert set(passed) == set(child["Parameters"]), part
        for name, value in passed.items():
            if name in PARAMETERS:
                assert json.dumps(value).count(f'"{name}"') == 1, (part, name)
                continue
            source, output = value["Fn::GetAtt"]
            assert output == f"Outputs.{name}"
            assert name in stacks.template_of(source)["Outputs"], (part, name, source)
            assert source != part
    for output in stacks.root["Outputs"].values():
        source, name = output["Value"]["Fn::GetAtt"]
        assert name.removeprefix("Outputs.") in stacks.template_of(source)["Outputs"]


def test_each_stack_holds_the_template_s_resources_as_they_are(stacks: Nested) -> None:
    """Put each parameter that stands for another stack's resource back as the reference it
    was, and every stack's resources are the whole template's, unchanged (but DependsOn on
    another stack's resource, which the stacks' order replaces): what the template tests
    assert of `template()` holds of what is deployed."""
    whole = template()["Resources"]
    for part, nested_stack in stacks.root["Resources"].items():
        back: dict[str, Any] = {}  # parameter → the reference it was
        for name, value in nested_stack["Properties"]["Parameters"].items():
            if name in PARAMETERS:
                continue
            source, output = value["Fn::GetAtt"]
            made = stacks.template_of(source)["Outputs"][output.removeprefix("Outputs.")]
            back[name] = _original(made["Value"], name)
        for logical, res in stacks.template_of(part)["Resources"].items():
            expected = {k: v for k, v in whole[logical].items() if k != "DependsOn"}
            got = {k: v for k, v in _put_back(res, back).items() if k != "DependsOn"}
            assert got == expected, (part, logical)
            kept = set(res.get("DependsOn", []))
            assert kept <= set(whole[logical].get("DependsOn", [])), (part, logical)


def _original(value: Any, param: str) -> Any:
    """The reference an output stands for: a Ref or GetAtt (inside the Fn::If that leaves it
    empty when its resource's condition is false), else a value of its own, named `param`."""
    if isinstance(value, dict) and "Fn::If" in value:
        value = value["Fn::If"][1]
    if isinstance(value, dict) and set(value) <= {"Ref", "Fn::GetAtt"}:
        return value
    return {"Ref": param}


def _put_back(node: Any, back: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_put_back(item, back) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in back:
        return back[node["Ref"]]
    if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):

        def name(original: Any) -> str:
            if "Ref" in original:
                return str(original["Ref"])
            return ".".join(original["Fn::GetAtt"])

        text = node["Fn::Sub"]
        for param, original in back.items():
            text = text.replace("${%s}" % param, "${%s}" % name(original))  # noqa: UP031
        return {"Fn::Sub": text}
    return {key: _put_back(value, back) for key, value in node.items()}


def test_a_stack_refers_only_to_what_it_has(stacks: Nested) -> None:
    """Every Ref, GetAtt and Sub name in a stack is its own resource, its parameter, or a
    pseudo parameter (cfn-lint says the same; this keeps the split honest without it)."""
    for name, child in stacks.stacks.items():
        known = set(child["Resources"]) | set(child["Parameters"])
        for target in _names(child):
            assert target in known or target.startswith("AWS::"), (name, target)


def test_the_edge_stack_makes_the_web_origin_the_others_take(stacks: Nested) -> None:
    edge = stacks.template_of(EDGE)
    assert "WebOrigin" in edge["Outputs"]
    for part in (DATA_PLANE, COMPUTE):
        passed = stacks.root["Resources"][part]["Properties"]["Parameters"]["WebOrigin"]
        assert passed == {"Fn::GetAtt": [EDGE, "Outputs.WebOrigin"]}


def _names(node: Any) -> list[str]:
    import re

    found: list[str] = []
    if isinstance(node, list):
        for item in node:
            found += _names(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.append(value)
            elif key == "Fn::GetAtt":
                found.append(value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found += [m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)]
            found += _names(value)
    return found
