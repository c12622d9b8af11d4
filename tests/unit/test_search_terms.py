"""What a video is found by and what a query asks for (pure)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from videoshare.domain.events import utc_now
from videoshare.domain.search_terms import (
    MAX_QUERY_WORDS,
    MAX_TERMS,
    BadQuery,
    parse_query,
    searchable,
    video_terms,
)
from videoshare.domain.video import Video, VideoStatus, Visibility


def _video(**overrides: object) -> Video:
    now = utc_now()
    fields: dict[str, object] = {
        "id": "a" * 32,
        "owner_id": "owner",
        "title": "Café au Lait at the Beach",
        "tags": ["summer", "crème brûlée"],
        "description": "Waves, sand.",
        "visibility": Visibility.PUBLIC,
        "status": VideoStatus.READY,
        "created_at": now,
        "updated_at": now,
        "filename": "a.mp4",
        "content_type": "video/mp4",
        "declared_size_bytes": 1,
        "source_key": "uploads/x/source",
        "upload_expires_at": now + timedelta(hours=1),
    }
    fields.update(overrides)
    return Video.model_validate(fields)


def test_terms_are_words_and_whole_tags_without_case_or_accents() -> None:
    terms = video_terms(_video())
    assert {"w#cafe", "w#lait", "w#beach", "w#waves", "w#creme", "w#brulee"} <= terms
    assert {"t#summer", "t#creme brulee"} <= terms
    assert "w#Café" not in terms


@pytest.mark.parametrize(
    ("q", "tag", "found"),
    [
        ("CAFE", None, True),
        ("café beach", None, True),
        ("cafe mountain", None, False),  # several words: all of them
        ("caf", None, False),  # whole words only
        (None, "Summer", True),
        (None, "CRÈME BRÛLÉE", True),
        (None, "creme", False),  # a tag is matched whole
        ("waves", "summer", True),
        ("waves", "winter", False),
    ],
)
def test_a_query_matches_when_the_video_has_every_term(
    q: str | None, tag: str | None, found: bool
) -> None:
    assert parse_query(q, tag).matches(_video()) is found


def test_the_lead_term_is_the_tag_else_the_longest_word() -> None:
    assert parse_query("a beach", "summer").lead == "t#summer"
    assert parse_query("a beach at", None).lead == "w#beach"
    assert parse_query("beach a", None) == parse_query("a beach", None)


@pytest.mark.parametrize(
    ("q", "tag", "parameter"),
    [
        ("!!! ...", None, "q"),
        ("", None, "q"),
        (" ".join(f"w{i}" for i in range(MAX_QUERY_WORDS + 1)), None, "q"),
        (None, "   ", "tag"),
    ],
)
def test_queries_that_ask_for_nothing_or_too_much_are_refused(
    q: str | None, tag: str | None, parameter: str
) -> None:
    with pytest.raises(BadQuery) as caught:
        parse_query(q, tag)
    assert caught.value.parameter == parameter


def test_long_descriptions_are_cut_at_max_terms_but_tags_always_count() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    terms = video_terms(_video(description=words, tags=["kept"]))
    assert len(terms) == MAX_TERMS
    assert "t#kept" in terms


@pytest.mark.parametrize(
    ("status", "visibility", "expected"),
    [
        (VideoStatus.READY, Visibility.PUBLIC, True),
        (VideoStatus.READY, Visibility.UNLISTED, False),
        (VideoStatus.READY, Visibility.PRIVATE, False),
        (VideoStatus.PROCESSING, Visibility.PUBLIC, False),
        (VideoStatus.DELETED, Visibility.PUBLIC, False),
    ],
)
def test_only_ready_public_videos_are_searchable(
    status: VideoStatus, visibility: Visibility, expected: bool
) -> None:
    assert searchable(_video(status=status, visibility=visibility)) is expected
    assert searchable(None) is False
