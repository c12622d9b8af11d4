"""The one wiring: every dependency of the use cases, built from `Settings` and open clients.

    async with open_dependencies(settings) as deps:      # a process: the ingress, a worker,
        await create_video(deps, ...)                    # the operator CLI
    deps = wire(settings, aws, resources, http)          # clients a test already holds

The ingress, every worker, the operator commands and the tests all build their repositories,
storage, media URL signer (S3 presigned or CloudFront signed, as the settings say; the
ingress's alone reads the CDN's key), publisher, search index, counters, webhooks and token
verifier here and nowhere else, so a test can swap any of them for an in-memory fake
(`tests/fakes/`) by building `Dependencies` itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from botocore.config import Config

from videoshare.adapters.cognito import CognitoIdentity
from videoshare.adapters.counters import LoginStreaks, WindowCounters
from videoshare.adapters.dead_letter_queues import DlqOperator
from videoshare.adapters.media_objects import MediaObjects
from videoshare.adapters.media_urls import CloudFrontMediaUrls, S3MediaUrls, read_signing_key
from videoshare.adapters.notifications import NotificationRepository
from videoshare.adapters.pending_videos import PendingVideos
from videoshare.adapters.processing_slots import ProcessingSlotTable
from videoshare.adapters.publisher import Publisher
from videoshare.adapters.revocations import RevokedUsers
from videoshare.adapters.search import SearchIndex
from videoshare.adapters.source_fetch import GuardedSourceFetcher
from videoshare.adapters.storage import MediaStorage
from videoshare.adapters.storage_quota import StorageReservations
from videoshare.adapters.tokens import AccessTokens, AccessTokenVerifier, JwksCache
from videoshare.adapters.videos import VideoRepository
from videoshare.adapters.views import BufferedViews
from videoshare.adapters.webhooks import (
    SignedWebhookPoster,
    WebhookDeliveries,
    WebhookRepository,
    WebhookTargetCheck,
)
from videoshare.aws import AwsClients, client_kwargs, open_clients, session_for
from videoshare.infra.resources import Resources, resolve
from videoshare.infra.topology import (
    LIMITS_TABLE,
    NOTIFICATIONS_TABLE,
    SEARCH_TABLE,
    VIDEOS_TABLE,
    WEBHOOK_SENDER,
    WEBHOOKS_TABLE,
)
from videoshare.settings import Settings
from videoshare.usecases.ports import MediaUrlSigner


@dataclass(frozen=True, slots=True)
class Dependencies:
    """What the use cases work with, wired once per process."""

    settings: Settings
    resources: Resources
    videos: VideoRepository
    pending: PendingVideos
    notifications: NotificationRepository
    publisher: Publisher
    storage: MediaStorage
    # signed GETs of media: S3 presigned, or CloudFront signed when the settings name a CDN
    media_urls: MediaUrlSigner
    search: SearchIndex
    counters: WindowCounters
    login_attempts: LoginStreaks
    quota: StorageReservations
    slots: ProcessingSlotTable
    webhooks: WebhookRepository
    deliveries: WebhookDeliveries
    identity: CognitoIdentity
    tokens: AccessTokens
    views: BufferedViews
    # The open clients, for the runtime's own wiring (the consumer's SQS calls, the operator's
    # dead-letter commands); use cases never touch them.
    aws: AwsClients
    # --- the workers' adapters ---------------------------------------------------------------
    # The media bucket's objects as the workers read and write them (the ingress presigns URLs
    # through `storage`), and the one signed POST of a webhook delivery.
    objects: MediaObjects
    webhook_poster: SignedWebhookPoster
    # the importer's fetch of a link, guarded as webhooks are
    sources: GuardedSourceFetcher
    # --- the ingress's ---
    webhook_targets: WebhookTargetCheck


def wire(
    settings: Settings,
    aws: AwsClients,
    resources: Resources,
    http: aiohttp.ClientSession | None = None,
    media_urls: MediaUrlSigner | None = None,
) -> Dependencies:
    """Every dependency, from open clients and the resources found at start (`http` fetches
    the token signing keys; without one, a fetch opens a session of its own). `media_urls`
    is `media_url_signer(...)`'s (the ingress); without it, S3 presigns (the workers sign
    nothing people read)."""
    pool_id = resources.user_pool_id
    identity = CognitoIdentity(
        aws.cognito,
        user_pool_id=pool_id,
        client_id=resources.client_id,
        auto_confirm=settings.is_local,
    )
    verifier = AccessTokenVerifier(
        JwksCache(http, settings.jwks_url_for(pool_id)),
        issuer=settings.issuer_for(pool_id),
        client_id=resources.client_id,
    )
    return Dependencies(
        settings=settings,
        resources=resources,
        videos=VideoRepository(aws.dynamodb, settings.table(VIDEOS_TABLE)),
        pending=PendingVideos(aws.dynamodb, settings.table(VIDEOS_TABLE)),
        notifications=NotificationRepository(aws.dynamodb, settings.table(NOTIFICATIONS_TABLE)),
        publisher=Publisher(aws.sns, resources.topic_arn),
        storage=MediaStorage(aws.s3, resources.bucket),
        media_urls=media_urls or S3MediaUrls(aws.s3, resources.bucket),
        search=SearchIndex(aws.dynamodb, settings.table(SEARCH_TABLE)),
        counters=WindowCounters(aws.dynamodb, settings.table(LIMITS_TABLE)),
        login_attempts=LoginStreaks(aws.dynamodb, settings.table(LIMITS_TABLE)),
        quota=StorageReservations(aws.dynamodb, settings.table(LIMITS_TABLE)),
        slots=ProcessingSlotTable(aws.dynamodb, settings.table(LIMITS_TABLE)),
        webhooks=WebhookRepository(aws.dynamodb, settings.table(WEBHOOKS_TABLE)),
        deliveries=WebhookDeliveries(aws.sqs, resources.queue_urls[WEBHOOK_SENDER]),
        identity=identity,
        tokens=AccessTokens(
            verifier,
            identity.session_alive,
            users=RevokedUsers(aws.dynamodb, settings.table(LIMITS_TABLE)),
        ),
        views=BufferedViews(
            aws.dynamodb,
            settings.table(VIDEOS_TABLE),
            settings.table(LIMITS_TABLE),
            key=settings.playback_key,  # asked at the first view (workers count none)
        ),
        aws=aws,
        # --- the workers' adapters ---
        objects=MediaObjects(aws.s3, resources.bucket),
        webhook_poster=SignedWebhookPoster(allow_private=settings.webhooks_may_call_private),
        sources=GuardedSourceFetcher(
            timeout_s=settings.import_timeout_s, max_redirects=settings.import_max_redirects
        ),
        webhook_targets=WebhookTargetCheck(),
    )


async def media_url_signer(
    settings: Settings, aws: AwsClients, resources: Resources
) -> MediaUrlSigner:
    """How media URLs are signed, as the settings say: CloudFront signed URLs with the key read
    here, once, from Secrets Manager (a client opened for that read alone), or S3 presigned."""
    cdn = settings.cdn
    if cdn is None:
        return S3MediaUrls(aws.s3, resources.bucket)
    kwargs = client_kwargs(settings, "secretsmanager")
    async with session_for(settings).client("secretsmanager", **kwargs) as secrets:
        key = await read_signing_key(secrets, cdn.private_key_secret_arn)
    return CloudFrontMediaUrls(cdn.domain, cdn.key_pair_id, key)


@asynccontextmanager
async def open_dependencies(
    settings: Settings, *, signs_media: bool = False
) -> AsyncIterator[Dependencies]:
    """Open the AWS clients and an HTTP session, find the resources, wire everything; all of it
    is closed when the block ends. Raises `MissingResource` before provisioning has run.
    `signs_media` (the ingress): media URLs as the settings choose (`media_url_signer`)."""
    async with open_clients(settings) as aws, aiohttp.ClientSession() as http:
        resources = await resolve(aws, settings)
        signer = await media_url_signer(settings, aws, resources) if signs_media else None
        yield wire(settings, aws, resources, http, signer)


# A person is waiting: an endpoint that does not answer is said in seconds, not retried on.
OPERATOR_CONFIG = Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 2})


@asynccontextmanager
async def open_dead_letter_operator(settings: Settings) -> AsyncIterator[DlqOperator]:
    """The operator's dead-letter commands (`videoshare dlq`): an SQS client that gives up
    quickly, and nothing else (the commands work before the rest of the stack exists)."""
    kwargs = client_kwargs(settings, "sqs")
    kwargs["config"] = kwargs["config"].merge(OPERATOR_CONFIG)
    async with session_for(settings).client("sqs", **kwargs) as sqs:
        yield DlqOperator(sqs, settings)
