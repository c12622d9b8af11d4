"""Nested stacks from one set of resources: each part of the deployment (data plane, identity,
edge, compute) is written as if it were one template, referring to the others' resources by
logical id; `nest()` cuts them apart and wires them together through a root template.

    in a part, a reference to another part's   becomes, in that part      and the root passes
    {"Ref": "EventsTopic"}                     {"Ref": "EventsTopic"}      Outputs.EventsTopic
    {"Fn::GetAtt": ["VideosTable", "Arn"]}     {"Ref": "VideosTableArn"}   Outputs.VideosTableArn
    "${VideosTable.Arn}" in an Fn::Sub         "${VideosTableArn}"         Outputs.VideosTableArn
    {"Ref": "Stack"} (a root parameter)        {"Ref": "Stack"}            {"Ref": "Stack"}
    DependsOn another part's resource          dropped: the references order the stacks

A part takes as parameters only what it uses (root parameters, other parts' values), carries
only the conditions it uses, and outputs only what another part (or the root's outputs) takes.
A part may also name values of its own (`Part.values`, e.g. the web origin the edge decides)
that others refer to with a plain `{"Ref": name}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from videoshare.infra.cfn import Json, get_att, if_, ref, resource

STACKS_DIR = "stacks"  # beside the root template; `aws cloudformation package` uploads them
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")
_SSM_TYPE = re.compile(r"^AWS::SSM::Parameter::Value<(.+)>$")


@dataclass(frozen=True)
class Part:
    name: str  # its logical id in the root template, e.g. "DataPlane"
    file: str  # under stacks/, e.g. "data.yaml"
    description: str
    resources: dict[str, Json]
    values: dict[str, Json] = field(default_factory=dict)  # name → expression others may Ref
    outputs: dict[str, Json] = field(default_factory=dict)  # outputs for people and tests


@dataclass(frozen=True)
class Nested:
    root: dict[str, Json]
    stacks: dict[str, dict[str, Json]]  # file name → template

    def template_of(self, part: str) -> dict[str, Json]:
        url = self.root["Resources"][part]["Properties"]["TemplateURL"]
        return self.stacks[url.rsplit("/", 1)[-1]]


@dataclass(frozen=True)
class _Import:
    """A foreign reference as a part takes it: what, from which part."""

    source: Part
    name: str
    attribute: str | None


@dataclass(frozen=True)
class _Cut:
    """A part with its foreign references turned into parameters."""

    part: Part
    body: dict[str, Json]  # Resources, Values, Outputs, rewritten
    imports: dict[str, _Import]  # parameter → what it stands for


def nest(
    parts: list[Part],
    parameters: dict[str, Json],
    conditions: dict[str, Json],
    # name → (description, part, what of it: a value or resource, and an attribute or None)
    root_outputs: dict[str, tuple[str, str, str, str | None]],
    description: str,
) -> Nested:
    cuts = [_cut(part, parts, parameters) for part in parts]
    wanted = _outputs_wanted(cuts, root_outputs)
    stacks: dict[str, dict[str, Json]] = {}
    root_resources: dict[str, Json] = {}
    for cut in cuts:
        template = _template(cut, wanted[cut.part.name], parameters, conditions)
        stacks[cut.part.file] = template
        passed = {
            name: _passed(name, parameters[name])
            if name in parameters
            else get_att(cut.imports[name].source.name, f"Outputs.{name}")
            for name in template["Parameters"]
        }
        root_resources[cut.part.name] = resource(
            "AWS::CloudFormation::Stack",
            {"TemplateURL": f"{STACKS_DIR}/{cut.part.file}", "Parameters": passed},
        )
    root = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": parameters,
        "Resources": root_resources,
        "Outputs": {
            out: {"Description": text, "Value": get_att(part, f"Outputs.{name}{attribute or ''}")}
            for out, (text, part, name, attribute) in root_outputs.items()
        },
    }
    return Nested(root, stacks)


def _cut(part: Part, parts: list[Part], parameters: dict[str, Json]) -> _Cut:
    owner = {name: p for p in parts for name in (*p.resources, *p.values)}
    imports: dict[str, _Import] = {}

    def rename(name: str, attribute: str | None) -> str | None:
        """The parameter a foreign reference becomes (None: it stays as it is)."""
        if owner.get(name) is part or name.startswith("AWS::") or name in parameters:
            return None
        if name not in owner:
            raise KeyError(f"{part.name} refers to {name}, which no part defines")
        param = f"{name}{attribute or ''}"
        imports[param] = _Import(owner[name], name, attribute)
        return param

    body = {
        "Resources": _rewrite(part.resources, rename),
        "Values": _rewrite(part.values, rename),
        "Outputs": _rewrite(part.outputs, rename),
    }
    for res in body["Resources"].values():
        if "DependsOn" in res:  # the references order the stacks; within one, its own only
            res["DependsOn"] = [d for d in res["DependsOn"] if d in part.resources]
            if not res["DependsOn"]:
                del res["DependsOn"]
    return _Cut(part, body, imports)


def _outputs_wanted(
    cuts: list[_Cut], root_outputs: dict[str, tuple[str, str, str, str | None]]
) -> dict[str, dict[str, Json]]:
    """part → output name → value: what the others import of it, and what the root shows."""
    by_name = {cut.part.name: cut for cut in cuts}
    wanted: dict[str, dict[str, Json]] = {name: {} for name in by_name}
    for cut in cuts:
        for param, found in cut.imports.items():
            source = by_name[found.source.name]
            wanted[found.source.name][param] = _value(
                source.part, source.body, found.name, found.attribute
            )
    for _, part_name, name, attribute in root_outputs.values():
        source = by_name[part_name]
        if name not in source.part.outputs:
            wanted[part_name][f"{name}{attribute or ''}"] = _value(
                source.part, source.body, name, attribute
            )
    return wanted


def _template(
    cut: _Cut, wanted: dict[str, Json], parameters: dict[str, Json], conditions: dict[str, Json]
) -> dict[str, Json]:
    """One nested stack: the parameters and conditions it uses, its resources and outputs."""
    outputs = {
        name: {"Description": f"{name}, for the stacks beside this one", "Value": value}
        for name, value in wanted.items()
    }
    outputs.update(cut.body["Outputs"])
    resources = cut.body["Resources"]
    used = _conditions_used([resources, outputs], conditions)
    referenced = set(_references([resources, outputs, [conditions[c] for c in used]]))
    own_params = {
        name: _child_parameter(spec) for name, spec in parameters.items() if name in referenced
    }
    for param, found in cut.imports.items():
        own_params[param] = {"Type": "String", "Description": f"From the {found.source.name} stack"}
    template: dict[str, Json] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": cut.part.description,
        "Parameters": own_params,
    }
    if used:
        template["Conditions"] = {c: conditions[c] for c in conditions if c in used}
    template["Resources"] = resources
    if outputs:
        template["Outputs"] = outputs
    return template


def _value(part: Part, body: dict[str, Json], name: str, attribute: str | None) -> Json:
    """What `part` outputs for a reference to its `name` (`.attribute`): a named value, or the
    resource's Ref/GetAtt (empty when the resource's condition left it out)."""
    if name in part.values:
        return body["Values"][name]
    value = get_att(name, attribute) if attribute else ref(name)
    condition = part.resources[name].get("Condition")
    return if_(condition, value, "") if condition else value


def _child_parameter(spec: Json) -> Json:
    """A root parameter as a nested stack takes it: always passed, so without a default; an
    SSM parameter arrives resolved."""
    child = {k: v for k, v in spec.items() if k != "Default"}
    if match := _SSM_TYPE.match(spec["Type"]):
        child["Type"] = match.group(1)
    return child


def _passed(name: str, spec: Json) -> Json:
    """How the root hands its parameter on: a nested stack's parameters are strings."""
    if str(spec["Type"]).startswith("List<"):
        return {"Fn::Join": [",", ref(name)]}
    return ref(name)


def _rewrite(node: Json, rename: object) -> Json:
    """A copy of `node` with every foreign Ref/GetAtt/Sub name replaced by its parameter."""
    assert callable(rename)
    if isinstance(node, list):
        return [_rewrite(item, rename) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and (param := rename(node["Ref"], None)):
        return ref(param)
    if set(node) == {"Fn::GetAtt"}:
        target, attribute = node["Fn::GetAtt"]
        if param := rename(target, attribute):
            return ref(param)
    if set(node) == {"Fn::Sub"}:
        text, variables = (
            (node["Fn::Sub"], {}) if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"]
        )

        def replace(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner in variables:
                return match.group(0)
            target, _, attribute = inner.partition(".")
            param = rename(target, attribute or None)
            return "${%s}" % param if param else match.group(0)  # noqa: UP031

        text = _SUB_NAME.sub(replace, text)
        if variables:
            return {"Fn::Sub": [text, _rewrite(variables, rename)]}
        return {"Fn::Sub": text}
    return {key: _rewrite(value, rename) for key, value in node.items()}


def _references(node: Json) -> Iterator[str]:
    """Every name a Ref, GetAtt or Sub in `node` points at."""
    if isinstance(node, list):
        for item in node:
            yield from _references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield value[0]
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                for match in _SUB_NAME.finditer(text):
                    yield match.group(1).partition(".")[0]
            yield from _references(value)


def _conditions_used(nodes: list[Json], conditions: dict[str, Json]) -> set[str]:
    """The conditions `nodes` name (Condition attributes, Fn::If), with those they build on."""
    found: set[str] = set()

    def walk(node: Json) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "Condition" and isinstance(value, str):
                    add(value)
                elif key == "Fn::If":
                    add(value[0])
                walk(value)

    def add(name: str) -> None:
        if name not in found:
            found.add(name)
            walk(conditions[name])

    walk(nodes)
    return found
