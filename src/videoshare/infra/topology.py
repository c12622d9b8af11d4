"""The AWS topology as data: one declaration that local provisioning (and later the AWS
template) is made from. Nothing here talks to AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from videoshare.bus.contract import ConsumerConfig
from videoshare.settings import Settings

# Where an `Output` goes, besides another consumer's queue (named by the consumer).
TOPIC = "topic"  # the events topic: every subscribed queue whose filter takes the type
WEBHOOK_URL = "webhook URL"  # a user's registered URL, over HTTP(S)
GIVE_UP = "on give-up"  # the worker's give-up hook (last receive of a failing message)

# What a stopping worker needs after its consumer returned: its background work cut short
# (bounded by a call's timeout), its clients closed and the interpreter's own shutdown, which
# takes seconds on a loaded machine.
CLOSE_MARGIN_S = 5.0


@dataclass(frozen=True, slots=True)
class Output:
    """Something a consumer sends: the message's type, where to (`TOPIC`, a consumer's queue,
    `WEBHOOK_URL`) and when, unless whenever it handles a message. Declared, not derived: a
    unit test holds every entry to the types the code has (tests/unit/test_worker_catalog.py)."""

    message: str
    to: str = TOPIC
    when: str = ""


@dataclass(frozen=True, slots=True)
class ConsumerQueue:
    """A consumer's own queue, its dead-letter queue, what it is subscribed to and what it
    sends on."""

    consumer: str
    # Event types it receives from the topic (its SNS filter policy); empty: none from the topic.
    event_types: tuple[str, ...] = ()
    # True: the bucket's ObjectCreated notifications arrive on this queue.
    s3_notifications: bool = False
    # Short: a killed worker's message is taken again within it (the heartbeat, a third of it,
    # keeps it from lapsing while a message is handled).
    visibility_timeout_s: int = 20
    max_receive_count: int = 5
    # Messages handled at once by one process; None: settings.max_in_flight.
    max_in_flight: int | None = None
    # What it publishes or sends (the worker catalog, `workers/`, lists it).
    emits: tuple[Output, ...] = ()

    def queue_name(self, settings: Settings) -> str:
        return settings.queue(self.consumer)

    def dlq_name(self, settings: Settings) -> str:
        return settings.queue(f"{self.consumer}-dlq")

    def consumer_config(self, settings: Settings, queue_url: str, dlq_url: str) -> ConsumerConfig:
        """The consumer runtime's knobs for this queue (the worker process runs with these)."""
        return ConsumerConfig(
            name=self.consumer,
            queue_url=queue_url,
            dlq_url=dlq_url,
            max_in_flight=self.max_in_flight or settings.max_in_flight,
            wait_time_s=settings.wait_time_s,
            visibility_timeout_s=self.visibility_timeout_s,
            max_receive_count=self.max_receive_count,
            drain_s=settings.shutdown_drain_s,
            stop_call_timeout_s=settings.shutdown_call_timeout_s,
        )

    def stop_bound_s(self, settings: Settings) -> float:
        """The longest its worker process takes to exit after SIGTERM, AWS reachable or not:
        the consumer's bound, then its background work cut short and its clients closed."""
        config = self.consumer_config(settings, queue_url="", dlq_url="")
        return config.stop_bound_s + CLOSE_MARGIN_S


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    hash_key: str
    range_key: str | None = None
    range_type: str = "S"  # "N": a number


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    hash_key: str
    range_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None

    def attributes(self) -> dict[str, str]:
        """Every key attribute (table and indexes) and its type: strings, but for an index's
        numeric range key."""
        types = {n: "S" for n in (self.hash_key, self.range_key) if n}
        for index in self.indexes:
            types.setdefault(index.hash_key, "S")
            if index.range_key:
                types.setdefault(index.range_key, index.range_type)
        return types


@dataclass(frozen=True, slots=True)
class Topology:
    consumers: tuple[ConsumerQueue, ...]
    tables: tuple[Table, ...]
    upload_prefix: str = "uploads/"
    cors_methods: tuple[str, ...] = ("GET", "PUT", "HEAD")
    cors_expose_headers: tuple[str, ...] = ("ETag",)
    password_min_length: int = 8

    def consumer(self, name: str) -> ConsumerQueue:
        for queue in self.consumers:
            if queue.consumer == name:
                return queue
        raise KeyError(name)


# What the upload-finalizer's queue carries: S3's ObjectCreated notifications.
S3_NOTIFICATION = "s3.object_created"

UPLOAD_FINALIZER = "upload-finalizer"
TRANSCODER = "transcoder"
METADATA_INDEXER = "metadata-indexer"
NOTIFIER = "notifier"
IMPORTER = "importer"  # fetches a video from a link into the upload key
WEBHOOK_SENDER = "webhook-sender"  # its queue carries webhook deliveries, not domain events
HOUSEKEEPING = "housekeeping"

VIDEOS_TABLE = "videos"
NOTIFICATIONS_TABLE = "notifications"
IDEMPOTENCY_TABLE = "idempotency"
WEBHOOKS_TABLE = "webhooks"  # one registration per user
LIMITS_TABLE = "limits"  # fixed-window counters: login failures, uploads per day
SEARCH_TABLE = "search"
OWNER_INDEX = "by-owner"
FEED_INDEX = "public-feed"
PENDING_INDEX = "pending-by-status"
POPULAR_INDEX = "public-by-views"


def topology(settings: Settings) -> Topology:
    return Topology(
        consumers=(
            ConsumerQueue(
                UPLOAD_FINALIZER,
                s3_notifications=True,
                visibility_timeout_s=settings.visibility_timeout_s,
                max_receive_count=settings.max_receive_count,
                emits=(
                    Output("video.uploaded", when="once the owner has a processing turn"),
                    Output("video.rejected"),
                    Output("video.failed", when=GIVE_UP),
                    Output(
                        S3_NOTIFICATION,
                        to=UPLOAD_FINALIZER,
                        when="again, delayed, while the owner's processing slots are taken",
                    ),
                ),
            ),
            ConsumerQueue(
                IMPORTER,
                event_types=("video.import_requested",),
                # a fetch may take up to `import_timeout_s`; the heartbeat extends it meanwhile
                visibility_timeout_s=settings.visibility_timeout_s,
                max_in_flight=4,
                max_receive_count=settings.max_receive_count,
                emits=(
                    Output(S3_NOTIFICATION, to=UPLOAD_FINALIZER, when="the source, written"),
                    Output("video.rejected"),
                    Output("video.failed", when=GIVE_UP),
                ),
            ),
            ConsumerQueue(
                TRANSCODER,
                event_types=("video.uploaded",),
                # the heartbeat keeps extending it while a transcode runs
                visibility_timeout_s=settings.transcode_visibility_timeout_s,
                # one transcode at a time per process: ffmpeg already uses the cores
                max_in_flight=1,
                max_receive_count=settings.max_receive_count,
                emits=(
                    Output("video.transcoded"),
                    Output("video.rejected"),
                    Output("video.failed", when=GIVE_UP),
                    Output(
                        "video.uploaded",
                        to=TRANSCODER,
                        when="again, delayed, while the owner's processing slots are taken",
                    ),
                ),
            ),
            ConsumerQueue(
                METADATA_INDEXER,
                # the search index follows every change of what a video is found by
                event_types=(
                    "video.transcoded",
                    "video.created",
                    "video.updated",
                    "video.deleted",
                ),
                visibility_timeout_s=settings.visibility_timeout_s,
                max_receive_count=settings.max_receive_count,
                emits=(Output("video.ready"), Output("video.failed", when=GIVE_UP)),
            ),
            ConsumerQueue(
                NOTIFIER,
                event_types=("video.ready", "video.rejected", "video.failed"),
                visibility_timeout_s=settings.visibility_timeout_s,
                max_receive_count=settings.max_receive_count,
                emits=(
                    Output("webhook.delivery", to=WEBHOOK_SENDER, when="for a user with a webhook"),
                ),
            ),
            # fed by the notifier; retries re-send with a delay (workers/webhook_sender.py)
            ConsumerQueue(
                WEBHOOK_SENDER,
                visibility_timeout_s=settings.visibility_timeout_s,
                max_receive_count=settings.max_receive_count,
                emits=(
                    Output(
                        "webhook.delivery", to=WEBHOOK_URL, when="as a signed POST of its event"
                    ),
                    Output(
                        "webhook.delivery",
                        to=WEBHOOK_SENDER,
                        when="the next attempt, delayed, after a failed POST",
                    ),
                ),
            ),
            ConsumerQueue(
                HOUSEKEEPING,
                # deletes the objects of deleted videos, the uploads of rejected ones (the
                # transcoder may not delete uploads) and everything of deleted accounts; its
                # sweep runs beside the consumer
                event_types=("video.deleted", "video.rejected", "account.deleted"),
                visibility_timeout_s=settings.visibility_timeout_s,
                max_receive_count=settings.max_receive_count,
                emits=(
                    Output("video.rejected", when="the sweep: an upload expired"),
                    Output("video.created", when="the sweep: again, a video stuck awaiting upload"),
                    Output(
                        "video.uploaded",
                        when="the sweep: again, a video stuck uploaded or processing",
                    ),
                ),
            ),
        ),
        tables=(
            Table(
                VIDEOS_TABLE,
                hash_key="id",
                indexes=(
                    Index(OWNER_INDEX, hash_key="owner_id", range_key="created_key"),
                    # sparse: only ready public videos carry `feed`
                    Index(FEED_INDEX, hash_key="feed", range_key="created_key"),
                    # the same videos, most viewed first (`views`, a number)
                    Index(POPULAR_INDEX, hash_key="feed", range_key="views", range_type="N"),
                    # sparse: only videos in a non-terminal status carry `pending_status`
                    Index(PENDING_INDEX, hash_key="pending_status", range_key="updated_key"),
                ),
            ),
            Table(NOTIFICATIONS_TABLE, hash_key="user_id", range_key="sort_key"),
            Table(IDEMPOTENCY_TABLE, hash_key="key", ttl_attribute="expires_at_epoch"),
            Table(LIMITS_TABLE, hash_key="key", ttl_attribute="expires_at_epoch"),
            Table(WEBHOOKS_TABLE, hash_key="user_id"),
            # search entries (term, newest first) and one manifest per video: adapters/search.py
            Table(SEARCH_TABLE, hash_key="term", range_key="sort_key"),
        ),
    )
