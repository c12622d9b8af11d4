"""Server-sent events, parsed line by line as the WHATWG spec says (the parts a client needs:
`event`, `data`, `id`, `retry`; comments and unknown fields ignored)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: str
    id: str | None = None


@dataclass
class SseParser:
    _event: str = ""
    _data: list[str] = field(default_factory=list)
    _id: str | None = None
    retry_ms: int | None = None  # the reconnection time the server last asked for

    def feed(self, line: str) -> SseEvent | None:
        """One line (its end of line optional); the event a blank line completes, if any."""
        line = line.rstrip("\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> SseEvent | None:
        if not self._data:
            self._event = ""
            return None
        event = SseEvent(self._event or "message", "\n".join(self._data), self._id)
        self._event, self._data = "", []
        return event
