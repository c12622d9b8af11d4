"""The long-lived child processes we start: a child that does not come up says so in a
sentence. Standard library only: `local/` and the CLI both use it."""

from __future__ import annotations


class ChildFailed(Exception):
    """A child process exited or did not answer at start; the message says which, and why."""
