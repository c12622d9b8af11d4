"""The OpenAPI document is generated from the code, covers every route, and is exported."""

from __future__ import annotations

from pathlib import Path

from videoshare.entrypoints.http.app import create_app
from videoshare.entrypoints.http.openapi import (
    EXPORT_PATH,
    documented_keys,
    exported_text,
    openapi_document,
    route_keys,
)
from videoshare.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_route_of_the_app_is_in_the_document_and_nothing_else() -> None:
    registered = route_keys(create_app(Settings()))
    missing = sorted(registered - documented_keys())
    assert not missing, f"routes without an Operation in api/contract.py: {missing}"
    stale = sorted(documented_keys() - registered)
    assert not stale, f"operations in api/contract.py that no route answers: {stale}"


def test_the_exported_yaml_is_current() -> None:
    exported = ROOT / EXPORT_PATH
    assert exported.exists(), "run `make openapi` to write api/openapi.yaml"
    assert exported.read_text(encoding="utf-8") == exported_text(), (
        "api/openapi.yaml is stale: run `make openapi` and commit the result"
    )


def test_every_reference_resolves() -> None:
    document = openapi_document()
    schemas = document["components"]["schemas"]
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                refs.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    for ref in refs:
        kind, name = ref.removeprefix("#/components/").split("/", 1)
        assert name in document["components"][kind], ref
    assert "ProblemOut" in schemas


def test_errors_are_documented_as_problems_and_bodies_as_models() -> None:
    paths = openapi_document()["paths"]
    create = paths["/v1/videos"]["post"]
    assert create["security"] == [{"bearer": []}]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateVideoIn"
    }
    for status in ("401", "413", "415", "422", "500", "503"):
        content = create["responses"][status]["content"]
        assert list(content) == ["application/problem+json"], status
    listing = paths["/v1/videos"]["get"]
    assert listing["security"] == [{}, {"bearer": []}]
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 100
    assert paths["/healthz"]["get"]["security"] == []


def test_request_models_forbid_unknown_fields_in_the_document() -> None:
    schemas = openapi_document()["components"]["schemas"]
    for name in ("RegisterIn", "LoginIn", "CreateVideoIn"):
        assert schemas[name]["additionalProperties"] is False, name


def test_a_429_says_retry_after_and_creating_a_video_names_its_limits() -> None:
    paths = openapi_document()["paths"]
    too_many = paths["/v1/videos"]["post"]["responses"]["429"]
    assert too_many["headers"]["Retry-After"] == {"$ref": "#/components/headers/RetryAfter"}
    assert "/problems/processing-budget-spent" in too_many["description"]
    login = paths["/v1/auth/login"]["post"]["responses"]["429"]
    assert "Retry-After" in login["headers"]
