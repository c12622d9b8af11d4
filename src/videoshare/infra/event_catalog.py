"""The event catalog, generated from the event models: an AsyncAPI 3.0 document plus one JSON
Schema per event under `events/`. `videoshare events export` writes it; a test fails when the
files on disk differ from what the models say.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from videoshare.domain.events import EVENT_TYPES
from videoshare.infra.topology import UPLOAD_FINALIZER
from videoshare.settings import Settings

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def event_schemas() -> dict[str, dict[str, Any]]:
    """event type → its JSON Schema."""
    schemas: dict[str, dict[str, Any]] = {}
    for model in EVENT_TYPES:
        name = model.model_fields["type"].default
        schema = model.model_json_schema(mode="serialization")
        schemas[name] = {
            "$schema": SCHEMA_DIALECT,
            "$id": f"{name}.schema.json",
            **schema,
        }
    return schemas


def asyncapi_document() -> dict[str, Any]:
    from videoshare.infra.topology import topology

    topo = topology(Settings())
    consumers_of: dict[str, list[str]] = {}
    for queue in topo.consumers:
        for event_type in queue.event_types:
            consumers_of.setdefault(event_type, []).append(queue.consumer)
    messages: dict[str, Any] = {}
    for model in EVENT_TYPES:
        name = model.model_fields["type"].default
        consumers = ", ".join(consumers_of.get(name, [])) or "no consumer yet"
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (model.__doc__ or "").strip(),
            "description": f"Consumed by: {consumers}.",
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {
                    "event_type": {"type": "string", "const": name},
                    "correlation_id": {"type": "string"},
                },
            },
            "payload": {"$ref": f"./{name}.schema.json"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "videoshare domain events",
            "version": "1.0.0",
            "description": (
                "Every event is published to one SNS topic with the `event_type` message "
                "attribute; each consumer's SQS queue subscribes with a filter policy on it "
                "(raw message delivery). Delivery is at least once: consumers are idempotent "
                "on the event `id`. S3 ObjectCreated notifications reach the "
                f"{UPLOAD_FINALIZER} directly from the bucket."
            ),
        },
        "channels": {
            "events": {
                "address": "{stack}-events",
                "description": "The SNS topic of domain events.",
                "parameters": {"stack": {"description": "the stack name (VIDEOSHARE_STACK)"}},
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": {
            "publishEvent": {
                "action": "send",
                "channel": {"$ref": "#/channels/events"},
                "messages": [{"$ref": f"#/channels/events/messages/{name}"} for name in messages],
            }
        },
        "components": {"messages": messages},
    }


def catalog_files() -> dict[str, str]:
    """file name → content, for everything under `events/`."""
    files = {f"{name}.schema.json": _dump(s) for name, s in event_schemas().items()}
    files["asyncapi.json"] = _dump(asyncapi_document())
    return files


def export_catalog(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in catalog_files().items():
        path = out / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    for stale in out.glob("*.json"):
        if stale.name not in catalog_files():
            stale.unlink()
    return written
