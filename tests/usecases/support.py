"""Helpers of the use-case tests (no tests here): every port as an in-memory fake, wired the
way `bootstrap.wire` wires the real adapters, and videos in the states the tests need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.counters import FakeCounters
from tests.fakes.events import FakePublisher
from tests.fakes.identity import FakeIdentity, FakeSessionTokens
from tests.fakes.notifications import FakeInbox
from tests.fakes.objects import FakeObjectStore
from tests.fakes.processing_slots import FakeProcessingSlots
from tests.fakes.search import FakeTermIndex
from tests.fakes.storage import FakeMediaStore, FakeMediaUrls
from tests.fakes.storage_quota import FakeStorageQuota
from tests.fakes.videos import FakeVideoStore
from tests.fakes.views import FakeViewCounter
from tests.fakes.webhooks import FakeWebhookRegistry, FakeWebhookTargets
from videoshare.domain import keys
from videoshare.domain.video import MediaOutputs, Rendition, Video, VideoEdit, Visibility
from videoshare.settings import Settings
from videoshare.usecases.videos import NewVideo, create_video

MIB = 1024**2
# 2030-01-01T12:00:00Z: the clock of the limits, noon of a UTC day.
NOON = 1_893_499_200.0


def fixed_settings(**overrides: Any) -> Settings:
    """Settings with the values these tests rely on, whatever the environment says."""
    values: dict[str, Any] = {
        "mode": "local",
        "stack": "usecases",
        "max_upload_bytes": 10 * 1024**3,
        "multipart_threshold_bytes": 8 * MIB,
        "multipart_part_size_bytes": 5 * MIB,
        "upload_url_ttl_s": 3600,
        "storage_quota_bytes": 1024**3,
        "uploads_per_day": 100,
        "login_failures_per_account": 3,
        "login_failures_per_address": 10,
        "login_window_s": 900,
        "webhook_allow_private_targets": False,
        "playback_secret": None,
    }
    return Settings(**{**values, **overrides})


@dataclass
class FakePorts:
    """What `bootstrap.Dependencies` holds, as fakes (each use case takes the few it needs)."""

    settings: Settings = field(default_factory=fixed_settings)
    videos: FakeVideoStore = field(default_factory=FakeVideoStore)
    publisher: FakePublisher = field(default_factory=FakePublisher)
    storage: FakeMediaStore = field(default_factory=FakeMediaStore)
    media_urls: FakeMediaUrls = field(default_factory=FakeMediaUrls)
    counters: FakeCounters = field(default_factory=FakeCounters)
    quota: FakeStorageQuota = field(default_factory=FakeStorageQuota)
    slots: FakeProcessingSlots = field(default_factory=FakeProcessingSlots)
    search: FakeTermIndex = field(default_factory=FakeTermIndex)
    identity: FakeIdentity = field(default_factory=FakeIdentity)
    webhooks: FakeWebhookRegistry = field(default_factory=FakeWebhookRegistry)
    webhook_targets: FakeWebhookTargets = field(default_factory=FakeWebhookTargets)
    notifications: FakeInbox = field(default_factory=FakeInbox)
    objects: FakeObjectStore = field(default_factory=FakeObjectStore)
    tokens: FakeSessionTokens = field(init=False)
    views: FakeViewCounter = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = FakeSessionTokens(self.identity)
        self.views = FakeViewCounter(self.videos)


def new_video(**overrides: Any) -> NewVideo:
    values: dict[str, Any] = {
        "title": "Holiday",
        "description": "Sea and sand.",
        "tags": ["beach", "summer"],
        "visibility": Visibility.PRIVATE,
        "filename": "holiday.mp4",
        "content_type": "video/mp4",
        "size_bytes": 11,
    }
    return NewVideo(**{**values, **overrides})


async def created(ports: FakePorts, owner_id: str = "alice", **overrides: Any) -> Video:
    """A video of `owner_id` awaiting its upload, made by the use case."""
    video, _ = await create_video(ports, owner_id, new_video(**overrides), "req-1", NOON)
    return video


async def made_ready(ports: FakePorts, video: Video, visibility: Visibility | None = None) -> Video:
    """`video` walked to ready as the workers would, with two renditions and a poster."""
    store = ports.videos
    renditions = [
        Rendition(
            name=name,
            width=width,
            height=height,
            bitrate=width * 1000,
            key=keys.rendition_key(video.id, name),
        )
        for name, width, height in (("360p", 640, 360), ("720p", 1280, 720))
    ]
    video = await store.save(video.uploaded(), expected=video)
    video = await store.save(video.processing(), expected=video)
    ready = video.ready(
        MediaOutputs(
            duration_s=5.3,
            width=1280,
            height=720,
            size_bytes=12,
            renditions=renditions,
            poster_key=keys.poster_key(video.id),
            hls_master_key=keys.hls_prefix(video.id) + "master.m3u8",
            storyboard_image_key=keys.media_prefix(video.id) + "storyboard/sprite.jpg",
            storyboard_vtt_key=keys.media_prefix(video.id) + "storyboard/storyboard.vtt",
        )
    )
    if visibility is not None:
        ready = ready.edited(VideoEdit(visibility=visibility))
    return await store.save(ready, expected=video)
