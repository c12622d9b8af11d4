"""The events stream's rules without a server: caps per user and per address, the polling
back-off, event ids and what a resuming client is not told again."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from videoshare.domain.errors import TooManyRequests
from videoshare.domain.video import VideoStatus
from videoshare.entrypoints.http.event_streams import RETRY_AFTER_S, EventStreams
from videoshare.entrypoints.http.routes.video_events import (
    StreamState,
    last_event_id,
    next_interval,
)
from videoshare.settings import Settings

HOME, CAFE = "192.0.2.1", "198.51.100.7"


def test_a_user_holds_at_most_their_cap_and_gets_a_slot_back_when_one_ends() -> None:
    streams = EventStreams(per_user=2, per_address=100)
    with streams.hold("ann", HOME), streams.hold("ann", CAFE):
        with pytest.raises(TooManyRequests) as refused, streams.hold("ann", "203.0.113.5"):
            pass
        assert refused.value.retry_after_s == RETRY_AFTER_S
        assert "your account already holds 2" in refused.value.detail
        with streams.hold("bob", HOME):  # someone else, from the same address
            assert streams.open == 3
        assert streams.open == 2  # the refused one was never counted
    with streams.hold("ann", HOME):
        pass
    assert (streams.open, dict(streams.by_user), dict(streams.by_address)) == (0, {}, {})


def test_an_address_holds_at_most_its_cap_signed_in_or_not() -> None:
    streams = EventStreams(per_user=100, per_address=2)
    with streams.hold(None, HOME), streams.hold("ann", HOME):
        for user in (None, "bob"):
            with (
                pytest.raises(TooManyRequests, match="your network address"),
                streams.hold(user, HOME),
            ):
                pass
        with streams.hold(None, CAFE):
            pass
    assert (streams.by_user, streams.by_address) == ({}, {})


def test_a_failing_stream_gives_its_slot_back() -> None:
    streams = EventStreams(per_user=1, per_address=1)
    with pytest.raises(RuntimeError), streams.hold("ann", HOME):
        raise RuntimeError("the stream broke")
    with streams.hold("ann", HOME):
        assert streams.open == 1


def test_polling_backs_off_while_nothing_changes_and_hurries_after_a_change() -> None:
    settings = Settings(events_poll_interval_s=0.5, events_poll_max_interval_s=4.0)
    interval, seen = 0.5, []
    for _ in range(6):
        interval = next_interval(settings, interval, changed=False)
        seen.append(interval)
    assert seen == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert next_interval(settings, 4.0, changed=True) == 0.5


def test_an_event_id_names_the_version_and_what_was_said() -> None:
    processing = StreamState(VideoStatus.PROCESSING, 40.0, None)
    event_id = processing.event_id(7)
    assert event_id.startswith("7-")
    assert processing.said_by(event_id)
    assert processing.said_by(processing.event_id(9))  # another write, the same news
    assert not StreamState(VideoStatus.PROCESSING, 41.0, None).said_by(event_id)
    assert not StreamState(VideoStatus.READY, None, None).said_by(event_id)
    assert not processing.said_by(None)


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({"Last-Event-ID": "7-0123456789ab"}, "", "7-0123456789ab"),
        ({}, "?last_event_id=7-0123456789ab", "7-0123456789ab"),
        ({"Last-Event-ID": "7-0123456789ab"}, "?last_event_id=8-0123456789ab", "7-0123456789ab"),
        ({"Last-Event-ID": "7"}, "", None),  # an id of before: the current state is sent
        ({"Last-Event-ID": "x" * 5000}, "", None),
        ({"Last-Event-ID": "7-0123456789AB"}, "", None),
        ({"Last-Event-ID": "-1-0123456789ab"}, "", None),
        ({}, "?last_event_id=%0a7-0123456789ab", None),
        ({"Last-Event-ID": ""}, "", None),
    ],
)
def test_only_our_own_ids_are_taken_as_a_last_event_id(
    headers: dict[str, str], query: str, expected: str | None
) -> None:
    request = make_mocked_request("GET", f"/v1/videos/x/events{query}", headers=headers)
    assert last_event_id(request) == expected
