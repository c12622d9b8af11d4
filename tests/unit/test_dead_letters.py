"""Reading a dead-lettered message: what it is, why it failed, and what a replay sends back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from videoshare.adapters.dead_letter_queues import ReplaySummary
from videoshare.adapters.dead_letters import (
    UNKNOWN,
    MessageKind,
    age_seconds,
    bounce_reason,
    describe,
    event_type_of,
    human_age,
    replay_attributes,
    short_body,
)
from videoshare.bus.dlq import FAILURE_ATTRIBUTES
from videoshare.domain.events import VideoReady, VideoReadyData

VIDEO_ID = "0123456789abcdef0123456789abcdef"


def _s(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


FAILED = {
    "reason": _s("gave up after 3 attempts: ClientError: table missing"),
    "error": _s("ClientError: ResourceNotFoundException"),
    "code": _s("gave_up"),
    "source_queue": _s("t-1-notifier"),
    "failed_at": _s("2026-11-28T20:00:00.000+00:00"),
    "receive_count": {"DataType": "Number", "StringValue": "3"},
    "event_type": _s("video.ready"),
    "correlation_id": _s("req-1"),
}


def test_a_domain_event_is_described_with_its_failure() -> None:
    body = json.dumps({"id": "ev-1", "type": "video.ready", "data": {"video_id": VIDEO_ID}})
    letter = describe("m-1", body, FAILED)
    assert letter.event_id == "ev-1"
    assert letter.event_type == "video.ready"
    assert letter.video_id == VIDEO_ID
    assert letter.receive_count == "3"
    assert letter.code == "gave_up"
    assert letter.reason.startswith("gave up after 3 attempts")
    assert letter.source_queue == "t-1-notifier"


def test_an_s3_notification_names_the_video_of_its_key() -> None:
    body = json.dumps({"Records": [{"s3": {"object": {"key": f"uploads/{VIDEO_ID}/source"}}}]})
    letter = describe("m-2", body, {})
    assert (letter.event_type, letter.video_id) == ("s3.object_created", VIDEO_ID)


def test_garbage_bodies_and_missing_attributes_are_described_not_raised() -> None:
    for body in ("", "not json {", "[1, 2]", "null", json.dumps({"data": "x"}), '{"Records": [1]}'):
        letter = describe("m-3", body, {})
        assert letter.event_id == UNKNOWN
        assert letter.code == UNKNOWN
        assert "no reason recorded" in letter.reason
        assert letter.source_queue is None


def test_a_replay_drops_every_failure_attribute_and_keeps_the_originals() -> None:
    kept = replay_attributes(FAILED)
    assert not set(kept) & set(FAILURE_ATTRIBUTES)
    assert kept == {"event_type": _s("video.ready"), "correlation_id": _s("req-1")}


def test_the_type_filter_reads_the_attribute_then_the_body() -> None:
    body = json.dumps({"id": "ev-1", "type": "video.failed"})
    assert event_type_of(body, FAILED) == "video.ready"
    assert event_type_of(body, {}) == "video.failed"


def test_ages() -> None:
    now = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    sent = str(int(now.timestamp() * 1000) - 125_000)
    assert age_seconds(sent, now) == 125
    assert age_seconds(None, now) is None
    assert age_seconds("soon", now) is None
    assert [human_age(s) for s in (None, 5, 125, 3 * 3600, 3 * 86400)] == [
        UNKNOWN,
        "5 s",
        "2 min",
        "3.0 h",
        "3.0 d",
    ]


def test_a_body_is_shown_on_one_line_and_cut_with_an_ellipsis() -> None:
    assert short_body('{"a":\n  1}') == '{"a": 1}'
    cut = short_body("x" * 100, limit=10)
    assert cut == "x" * 9 + "…"


@pytest.mark.parametrize(
    ("body", "kind", "bounces"),
    [
        ("not json", MessageKind.EVENT, True),
        ('{"type": "video.ready"}', MessageKind.EVENT, True),
        ('{"Records": []}', MessageKind.S3_NOTIFICATION, False),
        ('{"Event": "s3:TestEvent"}', MessageKind.S3_NOTIFICATION, False),
        ('{"type": "video.ready"}', MessageKind.S3_NOTIFICATION, True),
        ('{"type": "video.ready"}', MessageKind.WEBHOOK_DELIVERY, True),
    ],
)
def test_a_body_its_queue_does_not_carry_would_bounce(
    body: str, kind: MessageKind, bounces: bool
) -> None:
    assert (bounce_reason(body, kind) is not None) is bounces


def test_a_real_event_would_not_bounce() -> None:
    event = VideoReady(
        correlation_id="req-1",
        producer="tests",
        data=VideoReadyData(video_id=VIDEO_ID, owner_id="owner-1", title="t"),
    )
    assert bounce_reason(event.model_dump_json(), MessageKind.EVENT) is None


def test_a_replay_all_bounces_only_when_every_replayed_message_does() -> None:
    assert not ReplaySummary().all_bounce  # nothing replayed
    assert not ReplaySummary(replayed=3, bouncing=2).all_bounce
    assert ReplaySummary(replayed=3, came_back=3, bouncing=3).all_bounce
