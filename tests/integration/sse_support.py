"""Reading a `text/event-stream` answer in tests: events and comments, line by line."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientResponse

# Long enough for any poll the stream does; a stuck stream fails the test instead of hanging.
READ_DEADLINE_S = 15.0


@dataclass
class SseEvent:
    event: str = "message"
    data: str = ""
    id: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class SseReader:
    response: ClientResponse
    comments: list[str] = field(default_factory=list)
    retry_ms: int | None = None  # the last `retry:` the server sent

    async def next(self) -> SseEvent | None:
        """The next event, or None at the end of the stream (comments and `retry:` are kept
        aside; a block without data is no event, as the WHATWG spec says)."""
        current = SseEvent()
        has_field = False
        while True:
            raw = await asyncio.wait_for(self.response.content.readline(), READ_DEADLINE_S)
            if not raw:
                return current if has_field else None
            line = raw.decode().rstrip("\r\n")
            if not line:
                if has_field:
                    return current
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "retry":
                self.retry_ms = int(value)
                continue
            has_field = True
            if name == "event":
                current.event = value
            elif name == "data":
                current.data = f"{current.data}\n{value}" if current.data else value
            elif name == "id":
                current.id = value

    async def rest(self) -> list[SseEvent]:
        """Every event until the server ends the stream."""
        events = []
        while (event := await self.next()) is not None:
            events.append(event)
        return events
