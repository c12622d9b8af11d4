"""`make run SCALE=...`: how many processes of each worker the local runner starts."""

from __future__ import annotations

import pytest

from videoshare.local.scale import MAX_COPIES, ScaleError, copy_names, parse_scale

WORKERS = ("transcoder", "notifier", "upload-finalizer")


def test_several_workers_each_with_its_count() -> None:
    assert parse_scale("transcoder=2, notifier=3", WORKERS) == {"transcoder": 2, "notifier": 3}


def test_nothing_said_is_one_of_each() -> None:
    assert parse_scale("", WORKERS) == {}
    assert parse_scale(" , ", WORKERS) == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("transcoders=2", "no worker named 'transcoders'"),
        ("ingress=2", "no worker named 'ingress'"),
        ("transcoder=0", "from 1 to"),
        ("transcoder=-1", "from 1 to"),
        ("transcoder=two", "from 1 to"),
        (f"transcoder={MAX_COPIES + 1}", "from 1 to"),
        ("transcoder", "is not WORKER=N"),
        ("=2", "is not WORKER=N"),
        ("transcoder=", "is not WORKER=N"),
        ("transcoder=2,transcoder=3", "given twice"),
    ],
)
def test_a_clumsy_scale_is_one_line_that_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ScaleError, match=says) as raised:
        parse_scale(text, WORKERS)
    assert "\n" not in str(raised.value)


def test_copies_are_numbered_only_when_there_are_several() -> None:
    assert copy_names("transcoder", 1) == ["transcoder"]
    assert copy_names("transcoder", 2) == ["transcoder-1", "transcoder-2"]
