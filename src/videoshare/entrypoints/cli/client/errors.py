"""What can go wrong for the person at the terminal, as one sentence each."""

from __future__ import annotations

from typing import Any


class ClientFailure(Exception):
    """A failure the person can act on: printed as one line, exits with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def problem_sentence(status: int, body: Any, what: str) -> str:
    """One line from an error answer: the problem's `detail` (and the first field error) when
    the server sent problem+json, otherwise what we know from the status."""
    if isinstance(body, dict):
        detail = body.get("detail")
        title = body.get("title")
        sentence = detail if isinstance(detail, str) and detail else title
        if isinstance(sentence, str) and sentence:
            return f"{what} failed: {sentence}{_first_field_error(body)}"
    if status >= 500:
        return f"{what} failed: the server had a problem (HTTP {status}); try again later"
    return f"{what} failed with HTTP {status}"


def _first_field_error(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return ""
    first = errors[0]
    where = first.get("pointer") or first.get("parameter") or first.get("field")
    detail = first.get("detail")
    if isinstance(where, str) and isinstance(detail, str) and where not in str(body.get("detail")):
        return f" ({where.lstrip('#/')}: {detail})"
    return ""
