"""Every port the workers' use cases need, in memory: what `bootstrap.Dependencies` is to the
workers, for the fast tier (`tests/usecases/`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes.counters import FakeCounters
from tests.fakes.events import FakePublisher
from tests.fakes.notifications import FakeInbox
from tests.fakes.objects import FakeObjectStore
from tests.fakes.pending_videos import FakePendingVideos
from tests.fakes.processing_slots import FakeProcessingSlots
from tests.fakes.search import FakeTermIndex
from tests.fakes.sources import FakeSourceFetcher
from tests.fakes.storage_quota import FakeStorageQuota
from tests.fakes.videos import FakeVideoStore
from tests.fakes.webhook_delivery import FakeDeliveryQueue, FakeWebhookPoster
from tests.fakes.webhooks import FakeWebhookRegistry


@dataclass
class WorkerFakes:
    videos: FakeVideoStore = field(default_factory=FakeVideoStore)
    objects: FakeObjectStore = field(default_factory=FakeObjectStore)
    publisher: FakePublisher = field(default_factory=FakePublisher)
    search: FakeTermIndex = field(default_factory=FakeTermIndex)
    notifications: FakeInbox = field(default_factory=FakeInbox)
    webhooks: FakeWebhookRegistry = field(default_factory=FakeWebhookRegistry)
    deliveries: FakeDeliveryQueue = field(default_factory=FakeDeliveryQueue)
    webhook_poster: FakeWebhookPoster = field(default_factory=FakeWebhookPoster)
    quota: FakeStorageQuota = field(default_factory=FakeStorageQuota)
    sources: FakeSourceFetcher = field(default_factory=FakeSourceFetcher)
    slots: FakeProcessingSlots = field(default_factory=FakeProcessingSlots)
    counters: FakeCounters = field(default_factory=FakeCounters)
    pending: FakePendingVideos = field(init=False)

    def __post_init__(self) -> None:
        self.pending = FakePendingVideos(self.videos)
