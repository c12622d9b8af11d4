"""What can go wrong that a caller is told about: the domain's errors.

Use cases raise these; each entry point says them in its own way (the HTTP layer maps each
class to one problem+json in `entrypoints/http/problems.py`, a worker rejects or retries).
Each carries a sentence a person can act on (`str(error)`); `field` names the input at fault.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a caller is told about, with a sentence to act on."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class VideoConflict(DomainError):
    """The video changed since it was read (another writer won); read it again."""


class VideoExists(DomainError):
    """A video with this id exists already."""


class BadCursor(DomainError, ValueError):
    """A page cursor that this service did not make."""


# --- the media bucket's objects (raised through `usecases.ports.ObjectStore`) ------------------


class ObjectMissing(DomainError):
    """No object at the key: not uploaded yet, or deleted. `key` names it."""

    def __init__(self, key: str, detail: str | None = None) -> None:
        super().__init__(detail or f"there is no object at {key}")
        self.key = key


class ObjectTooLarge(DomainError):
    """The object is larger than the caller accepts; nothing of it was read."""

    def __init__(self, key: str, size: int, max_bytes: int) -> None:
        super().__init__(f"{key} is {size:,} bytes; at most {max_bytes:,} are accepted")
        self.key = key
        self.size = size
        self.max_bytes = max_bytes
