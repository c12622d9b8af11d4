"""What a video is found by, and what a query asks for. Pure code.

Text is normalised the same way on both sides: Unicode compatibility forms unfolded, accents
dropped, case folded (`Café` and `CAFE` are both `cafe`). A video's terms are the words of its
title, tags and description (`w#…`, at most `MAX_TERMS`, title first) and each whole tag
(`t#…`). A query's terms are its words and its tag; a video matches when it has every one
(several words mean AND).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from videoshare.domain.video import Video, VideoStatus, Visibility

WORD = "w#"
TAG = "t#"
MAX_TERMS = 64
MAX_QUERY_WORDS = 8
_WORDS = re.compile(r"\w+")


def normalise(text: str) -> str:
    unfolded = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in unfolded if not unicodedata.combining(c))
    return plain.casefold()


def words(text: str) -> list[str]:
    """The words of `text`, normalised, in order, each once."""
    return list(dict.fromkeys(_WORDS.findall(normalise(text))))


def video_terms(video: Video) -> frozenset[str]:
    """Every term `video` is found by."""
    tags = {TAG + normalise(tag).strip() for tag in video.tags if normalise(tag).strip()}
    found = [WORD + w for w in words(" ".join([video.title, *video.tags, video.description]))]
    room = max(MAX_TERMS - len(tags), 0)
    return frozenset(tags | set(found[:room]))


def searchable(video: Video | None) -> bool:
    """Whether the public search shows `video`: ready, public, not deleted."""
    return (
        video is not None
        and video.status is VideoStatus.READY
        and video.visibility is Visibility.PUBLIC
    )


class BadQuery(ValueError):
    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(detail)
        self.parameter = parameter
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[str, ...]

    @property
    def lead(self) -> str:
        """The term whose index partition is read (the rest filter it): the tag when there is
        one, else the longest word (long words tend to be rare). Always the same for one query,
        so a cursor stays valid from page to page."""
        return self.terms[0]

    def matches(self, video: Video) -> bool:
        return set(self.terms) <= video_terms(video)


def parse_query(q: str | None, tag: str | None) -> Query:
    """The terms of `q` and `tag`; `BadQuery` when they ask for nothing or too much."""
    terms: list[str] = []
    if tag is not None:
        normal = normalise(tag).strip()
        if not normal:
            raise BadQuery("tag", "must not be blank")
        terms.append(TAG + normal)
    if q is not None:
        found = words(q)
        if not found:
            raise BadQuery("q", "must contain at least one letter or digit")
        if len(found) > MAX_QUERY_WORDS:
            raise BadQuery("q", f"may have at most {MAX_QUERY_WORDS} words")
        terms += [WORD + w for w in sorted(found, key=lambda w: (-len(w), w))]
    return Query(tuple(terms))
