"""`EventPublisher` in memory: what was published, in order."""

from __future__ import annotations

from videoshare.domain.events import Event, VideoEvent, about_a_video


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)

    def of_type(self, event_type: str) -> list[VideoEvent]:
        return [e for e in self.published if about_a_video(e) and e.type == event_type]
