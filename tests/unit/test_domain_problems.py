"""The HTTP layer's table of domain errors (`entrypoints/http/domain_problems.py`): every error
a use case or the identity and token adapters raise has its problem, shaped as the API says."""

from __future__ import annotations

import types

import pytest

from videoshare.adapters import cognito, tokens
from videoshare.adapters import notifications as inbox
from videoshare.adapters import search as search_index
from videoshare.adapters import videos as video_records
from videoshare.domain.errors import (
    BadCursor,
    DomainError,
    EditConflict,
    ExpiredToken,
    IdentityThrottled,
    IdentityUnavailable,
    NotAVideo,
    PartMismatch,
    ProcessingBudgetSpent,
    RefusedInput,
    SessionEnded,
    TooManyRequests,
    VideoConflict,
    VideoExists,
    VideoNotFound,
    WeakPassword,
)
from videoshare.entrypoints.http.domain_problems import problem_of
from videoshare.usecases import (
    accounts,
    downloads,
    limits,
    notifications,
    playback,
    search,
    upload_urls,
    uploads,
    usage,
    video_edits,
    videos,
    webhooks,
)

RAISERS = (
    accounts, downloads, limits, notifications, playback, search, upload_urls, uploads, usage,
    video_edits, videos, webhooks, cognito, tokens, search_index, inbox, video_records,
)  # fmt: skip


def _errors_of(module: types.ModuleType) -> set[type[DomainError]]:
    return {
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, DomainError)
    }


def _instance(cls: type[DomainError]) -> DomainError:
    """An instance of `cls` with a sentence and a field, whatever its constructor asks for."""
    error = cls.__new__(cls)
    DomainError.__init__(error, "a sentence.", field="a_field")
    if isinstance(error, RefusedInput):
        error.reasons = ["a reason"]
    return error


RAISED = sorted(
    {e for m in RAISERS for e in _errors_of(m)} - {VideoConflict, VideoExists},
    key=lambda e: e.__name__,
)


@pytest.mark.parametrize("error", RAISED, ids=[e.__name__ for e in RAISED])
def test_every_error_the_ingress_raises_has_its_problem(error: type[DomainError]) -> None:
    problem = problem_of(_instance(error))
    assert problem is not None, f"{error.__name__} has no row in domain_problems.PROBLEMS"
    assert 400 <= problem.status < 600


def test_what_the_use_cases_settle_themselves_has_no_problem() -> None:
    # a conflict is retried; a new video's id is a fresh uuid4: a 500, should either escape
    assert problem_of(VideoConflict("moved on")) is None
    assert problem_of(VideoExists("taken")) is None


def test_the_detail_is_the_errors_sentence_and_the_field_errors_come_from_it() -> None:
    problem = problem_of(
        NotAVideo(
            "`filename` 'a.exe' …", field="filename", reasons=["must end in a video extension"]
        )
    )
    assert problem is not None
    assert problem.body() == {
        "type": "/problems/not-a-video",
        "title": "Not a video",
        "status": 415,
        "detail": "`filename` 'a.exe' …",
        "errors": [{"pointer": "#/filename", "detail": "must end in a video extension"}],
    }
    assert problem.headers == {}


def test_a_bad_cursor_names_the_parameter_and_says_what_to_do() -> None:
    problem = problem_of(BadCursor("the cursor belongs to another listing"))
    assert problem is not None
    assert (problem.status, problem.slug) == (400, "bad-cursor")
    assert problem.detail == "the cursor belongs to another listing; start again without `cursor`."
    assert problem.errors == [
        {"parameter": "cursor", "detail": "the cursor belongs to another listing"}
    ]


@pytest.mark.parametrize(
    ("error", "status", "retry_after"),
    [
        (TooManyRequests(42, "slow down"), 429, "42"),
        (ProcessingBudgetSpent(3600, "spent"), 429, "3600"),
        (IdentityThrottled("Cognito's words"), 429, "5"),
        (EditConflict(), 409, "1"),
        (IdentityUnavailable("Cognito's words"), 503, "1"),
    ],
)
def test_retry_after_comes_from_the_error_or_its_row(
    error: DomainError, status: int, retry_after: str
) -> None:
    problem = problem_of(error)
    assert problem is not None
    assert (problem.status, problem.headers["Retry-After"]) == (status, retry_after)


def test_token_and_session_refusals_carry_their_challenge() -> None:
    expired = problem_of(ExpiredToken("expired"))
    ended = problem_of(SessionEnded("Cognito's words"))
    assert expired is not None
    assert ended is not None
    assert (expired.status, expired.slug) == (401, "token-expired")
    assert expired.headers == {
        "WWW-Authenticate": 'Bearer realm="videoshare", error="invalid_token"'
    }
    assert expired.detail == (
        "The access token has expired; get a new one with POST /v1/auth/refresh."
    )
    assert ended.headers == {"WWW-Authenticate": 'Bearer realm="videoshare"'}


def test_a_subclass_without_a_row_answers_as_its_base() -> None:
    not_found = problem_of(VideoNotFound())
    mismatch = problem_of(PartMismatch("a part (S3: …)"))
    assert not_found is not None
    assert mismatch is not None
    assert (not_found.status, not_found.slug) == (404, "not-found")
    assert (mismatch.slug, mismatch.title) == ("invalid-part", "A part does not match")


def test_a_weak_password_says_the_rule_at_the_password() -> None:
    problem = problem_of(WeakPassword("Password did not conform with policy.", "A rule."))
    assert problem is not None
    assert problem.detail == "Password did not conform with policy. A rule."
    assert problem.errors == [{"pointer": "#/password", "detail": "A rule."}]
