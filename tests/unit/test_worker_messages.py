"""Raw queue bodies become typed models at the edge, or `Reject` with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from videoshare.bus.outcomes import Reject
from videoshare.domain import keys
from videoshare.entrypoints.workers.messages import decode_event, decode_s3

SAMPLES = Path(__file__).resolve().parents[1] / "events"


def test_s3_notification_key_is_url_decoded() -> None:
    decoded = decode_s3((SAMPLES / "s3-object-created.json").read_text())
    assert decoded is not None
    (record,) = decoded.records
    assert record.key == "uploads/0123456789abcdef0123456789abcdef/source"
    assert keys.video_id_from_source_key(record.key) == "0123456789abcdef0123456789abcdef"
    assert record.size == 5
    assert decoded.id == decode_s3((SAMPLES / "s3-object-created.json").read_text()).id  # type: ignore[union-attr]


def test_plus_in_a_key_is_a_space() -> None:
    body = (SAMPLES / "s3-object-created.json").read_text().replace("%2Fsource", "%2Fa+b")
    decoded = decode_s3(body)
    assert decoded is not None
    assert decoded.records[0].key.endswith("/a b")


def test_s3_test_event_means_nothing_to_do() -> None:
    assert decode_s3((SAMPLES / "s3-test-event.json").read_text()) is None


@pytest.mark.parametrize("body", ["", "[]", "{}", '{"Records": "x"}', "garbage \x00"])
def test_malformed_s3_bodies_are_rejected(body: str) -> None:
    with pytest.raises(Reject, match="not a valid S3 notification"):
        decode_s3(body)


@pytest.mark.parametrize("body", ["", "{", '{"type": "video.nope"}', "[1, 2]"])
def test_malformed_events_are_rejected_with_a_reason(body: str) -> None:
    with pytest.raises(Reject, match="not a valid domain event") as info:
        decode_event(body)
    assert info.value.code == "malformed"


def test_wire_event_decodes() -> None:
    event = decode_event((SAMPLES / "video.uploaded.json").read_text())
    assert event is not None
    assert event.type == "video.uploaded"
