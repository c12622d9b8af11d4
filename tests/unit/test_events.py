"""Event models: the envelope, the discriminated union, follow-up ids, the catalog on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from videoshare.domain.events import (
    EVENT_TYPE_NAMES,
    AccountDeleted,
    VideoReady,
    VideoReadyData,
    VideoUploaded,
    VideoUploadedData,
    account_deleted,
    follow_up,
    follow_up_id,
    parse_event,
)
from videoshare.infra.event_catalog import catalog_files

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "events"


def uploaded() -> VideoUploaded:
    return VideoUploaded(
        correlation_id="req-1",
        producer="upload-finalizer",
        data=VideoUploadedData(
            video_id="v1",
            owner_id="u1",
            source_key="uploads/v1/source",
            size_bytes=10,
            content_type="video/mp4",
        ),
    )


def test_round_trip_through_the_union() -> None:
    event = uploaded()
    parsed = parse_event(event.model_dump_json())
    assert parsed == event
    assert isinstance(parsed, VideoUploaded)


def test_events_are_frozen() -> None:
    event = uploaded()
    with pytest.raises(ValidationError):
        event.correlation_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        '{"type": "video.unknown"}',
        # unknown fields are refused, not ignored
        json.dumps({**json.loads(uploaded().model_dump_json()), "surprise": 1}),
        # a payload of the wrong type for its event type
        json.dumps({**json.loads(uploaded().model_dump_json()), "data": {"video_id": "v1"}}),
    ],
)
def test_malformed_events_are_refused(body: str) -> None:
    with pytest.raises(ValidationError):
        parse_event(body)


def test_follow_up_ids_are_deterministic_and_distinct() -> None:
    assert follow_up_id("a", "video.ready") == follow_up_id("a", "video.ready")
    assert follow_up_id("a", "video.ready") != follow_up_id("b", "video.ready")
    assert follow_up_id("a", "video.ready") != follow_up_id("a", "video.failed")


def test_follow_up_carries_correlation_and_causation() -> None:
    cause = uploaded()
    ready = follow_up(
        VideoReady,
        cause_id=cause.id,
        correlation_id=cause.correlation_id,
        producer="metadata-indexer",
        data=VideoReadyData(video_id="v1", owner_id="u1", title="t"),
    )
    assert ready.causation_id == cause.id
    assert ready.correlation_id == "req-1"
    assert ready.id == follow_up_id(cause.id, "video.ready")


def test_catalog_on_disk_matches_the_models() -> None:
    """Fails when the models change without `make events` (videoshare events export)."""
    expected = catalog_files()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in EVENTS_DIR.glob("*.json")}
    assert set(on_disk) == set(expected), "run `make events` to regenerate events/"
    for name, content in expected.items():
        assert on_disk[name] == content, f"events/{name} is stale: run `make events`"


def test_catalog_has_a_schema_per_event_type() -> None:
    names = set(catalog_files())
    assert {f"{t}.schema.json" for t in EVENT_TYPE_NAMES} <= names
    asyncapi = json.loads(catalog_files()["asyncapi.json"])
    assert set(asyncapi["components"]["messages"]) == set(EVENT_TYPE_NAMES)


@pytest.mark.parametrize("sample", sorted(SAMPLES_DIR.glob("*.json")), ids=lambda p: p.name)
def test_wire_shaped_samples_parse(sample: Path) -> None:
    """tests/events/ holds messages as they arrive on the wire."""
    body = sample.read_text(encoding="utf-8")
    if sample.name.startswith("s3-"):
        from videoshare.entrypoints.workers.messages import decode_s3

        decoded = decode_s3(body)
        assert decoded is None or decoded.records
    else:
        parse_event(body)


def test_follow_up_once_per_a_key_ignores_the_cause() -> None:
    data = VideoReadyData(video_id="v1", owner_id="u1", title="t")
    first, second = (
        follow_up(
            VideoReady,
            cause_id=cause,
            correlation_id="req-1",
            producer="p",
            data=data,
            once_per="upload:v1",
        )
        for cause in ("notification-1", "notification-2")
    )
    assert first.id == second.id == follow_up_id("upload:v1", "video.ready")
    assert (first.causation_id, second.causation_id) == ("notification-1", "notification-2")


def test_an_account_deleted_event_round_trips_and_a_partial_one_is_refused() -> None:
    event = account_deleted("sub-1", "user-1", "ann@example.com", correlation_id="r", producer="p")
    assert parse_event(event.model_dump_json()) == event
    assert isinstance(parse_event(event.model_dump_json()), AccountDeleted)
    partial = json.loads(event.model_dump_json())
    del partial["data"]["email"]
    with pytest.raises(ValidationError):
        parse_event(json.dumps(partial))
    partial["data"].update(email="ann@example.com", user_id="")
    with pytest.raises(ValidationError):
        parse_event(json.dumps(partial))
