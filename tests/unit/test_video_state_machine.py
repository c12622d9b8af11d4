"""Every allowed and every forbidden status transition of a video."""

from __future__ import annotations

import itertools

import pytest

from videoshare.domain.video import (
    ALLOWED,
    InvalidTransition,
    VideoStatus,
    can_transition,
    check_transition,
)

S = VideoStatus
EXPECTED_EDGES = {
    (S.AWAITING_UPLOAD, S.UPLOADED),
    (S.AWAITING_UPLOAD, S.REJECTED),
    (S.AWAITING_UPLOAD, S.FAILED),
    (S.AWAITING_UPLOAD, S.DELETED),
    (S.UPLOADED, S.PROCESSING),
    (S.UPLOADED, S.REJECTED),
    (S.UPLOADED, S.FAILED),
    (S.UPLOADED, S.DELETED),
    (S.PROCESSING, S.READY),
    (S.PROCESSING, S.REJECTED),
    (S.PROCESSING, S.FAILED),
    (S.PROCESSING, S.DELETED),
    (S.READY, S.DELETED),
    (S.REJECTED, S.DELETED),
    (S.FAILED, S.DELETED),
}
ALL_PAIRS = list(itertools.product(VideoStatus, repeat=2))


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED_EDGES))
def test_allowed_transition(current: VideoStatus, target: VideoStatus) -> None:
    assert can_transition(current, target)
    check_transition(current, target)  # does not raise


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in ALL_PAIRS if pair not in EXPECTED_EDGES]
)
def test_forbidden_transition(current: VideoStatus, target: VideoStatus) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition, match=f"from {current.value} to {target.value}"):
        check_transition(current, target)


def test_table_covers_every_status() -> None:
    assert set(ALLOWED) == set(VideoStatus)


def test_no_status_moves_to_itself_or_back_to_awaiting_upload() -> None:
    for status in VideoStatus:
        assert not can_transition(status, status)
        assert not can_transition(status, S.AWAITING_UPLOAD)


def test_terminal_statuses_only_lead_to_deleted() -> None:
    for status in VideoStatus:
        if status.is_terminal:
            assert ALLOWED[status] <= {S.DELETED}


def test_any_status_but_deleted_can_be_deleted() -> None:
    for status in VideoStatus:
        assert can_transition(status, S.DELETED) == (status is not S.DELETED)
