"""Caption languages: BCP 47 tags (RFC 5646), checked against the IANA language subtag registry
(`langcodes` carries it) and put in canonical form, so `EN-us` and `en-US` are one language."""

from __future__ import annotations

import re

import langcodes

# A 2-3 letter language first (no private-use or grandfathered `x-…`, `i-…`), then letters,
# digits and hyphens only: the tag becomes part of a key and of a URL path.
_SHAPE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,7}$")


def language_tag(raw: str) -> str | None:
    """The canonical form of `raw` (`pt-br` → `pt-BR`), or None when it is not a well-formed
    tag of a registered language (`xx`, `english`, `en_US`)."""
    if not _SHAPE.match(raw) or not langcodes.tag_is_valid(raw):
        return None
    tag = langcodes.standardize_tag(raw)
    return tag if _SHAPE.match(tag) else None
