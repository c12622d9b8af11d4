"""Each process as a deployment sees it: its command, its port, its size, how it scales and
exactly which AWS actions it needs (its least-privilege task role). Pure data; the AWS template
(`cloudformation.py`) renders it, `infra/compose.yaml` is checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from videoshare.domain.keys import (
    CAPTIONS_FOLDER,
    CHOSEN_POSTER_STEM,
    MEDIA_PREFIX,
    UPLOAD_PREFIX,
)
from videoshare.infra.topology import (
    HOUSEKEEPING,
    IDEMPOTENCY_TABLE,
    IMPORTER,
    LIMITS_TABLE,
    METADATA_INDEXER,
    NOTIFICATIONS_TABLE,
    NOTIFIER,
    SEARCH_TABLE,
    TRANSCODER,
    UPLOAD_FINALIZER,
    VIDEOS_TABLE,
    WEBHOOK_SENDER,
    WEBHOOKS_TABLE,
)
from videoshare.settings import Settings

INGRESS = "ingress"
# The key patterns under media/ the ingress writes itself: captions and a chosen poster
# (usecases/captions.py, usecases/posters.py). `*` in a resource ARN spans one video's id.
OWNER_MEDIA = (
    f"{MEDIA_PREFIX}*/{CAPTIONS_FOLDER}",
    f"{MEDIA_PREFIX}*/{CHOSEN_POSTER_STEM}",
)
API_PORT = 8080
# Each worker's side server (`/healthz`, `/readyz`, `/metrics`), and the ingress's internal
# listener on AWS (`entrypoints/http/internal.py`): its port unless VIDEOSHARE_HEALTH_PORT says
# otherwise (`health_port`).
HEALTH_PORTS = {
    INGRESS: 9100,
    UPLOAD_FINALIZER: 9101,
    TRANSCODER: 9102,
    METADATA_INDEXER: 9103,
    NOTIFIER: 9104,
    HOUSEKEEPING: 9105,
    WEBHOOK_SENDER: 9106,
    IMPORTER: 9107,
}
FALLBACK_HEALTH_PORT = 9109  # a worker without an entry above

# Every process resolves every queue by name at start (`infra/resources.py`).
# DynamoDB transactions are authorised by the item actions they contain.
TABLE_ACTIONS = (
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    # a retry re-sent with a delay (webhook-sender), a message deferred to wait its turn
    # (upload-finalizer, transcoder), and replays land here
    "sqs:SendMessage",
)
DEAD_LETTER_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes")  # reject; depth sampling
# The workers' shared tables: records, inbox, idempotency (workers/context.py, process.py).
_WORKER_TABLES = (VIDEOS_TABLE, NOTIFICATIONS_TABLE, IDEMPOTENCY_TABLE)
# the workers that reject, fail or delete a video release its storage reservation and its
# processing turn, the ones that process it take the turn and charge its minutes (the limits
# table)
_RELEASING_TABLES = (*_WORKER_TABLES, LIMITS_TABLE)


@dataclass(frozen=True, slots=True)
class ObjectAccess:
    """What a process may do to the bucket's objects under one key prefix (`domain/keys.py`).
    No process may delete an object version (s3:DeleteObjectVersion): on the versioned bucket
    a delete only adds a marker, and the old version stays restorable (docs/DEPLOY.md)."""

    prefix: str
    actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Process:
    name: str
    command: tuple[str, ...]
    port: int  # where its /healthz answers (the ingress's API port, a worker's side server)
    tables: tuple[str, ...]
    cpu: int = 256  # ECS units (1024 = one vCPU); Fargate-valid with `memory_mib`
    memory_mib: int = 512
    bucket_actions: tuple[str, ...] = ()  # on the bucket (ListBucket, ...)
    objects: tuple[ObjectAccess, ...] = ()  # on its objects, by key prefix
    sends_to: tuple[str, ...] = ()  # other consumers' queues it sends to
    user_pool_actions: tuple[str, ...] = ()  # on the user pool (cognito-idp:...)
    # Scaling: tasks at rest and at most; a worker's target backlog (messages visible per
    # running task), the ingress's target average CPU.
    # Local disk for work files (Fargate ephemeral storage; 20 GiB when 0): the transcoder
    # holds a source of up to `max_upload_bytes` and its outputs at once.
    scratch_gib: int = 0
    min_tasks: int = 1
    max_tasks: int = 4
    target: int = 100

    @property
    def is_worker(self) -> bool:
        return self.name != INGRESS


def health_port(worker: str, settings: Settings) -> int:
    """Where a worker's side server listens: `VIDEOSHARE_HEALTH_PORT` when set (0: any free
    port), else the worker's entry in `HEALTH_PORTS`."""
    if settings.health_port is not None:
        return settings.health_port
    return HEALTH_PORTS.get(worker, FALLBACK_HEALTH_PORT)


def processes() -> tuple[Process, ...]:
    """The ingress and every worker (the same names as the topology's consumers)."""
    ports = HEALTH_PORTS
    return (
        Process(
            INGRESS,
            ("api",),
            API_PORT,
            (VIDEOS_TABLE, NOTIFICATIONS_TABLE, SEARCH_TABLE, LIMITS_TABLE, WEBHOOKS_TABLE),
            bucket_actions=("s3:ListBucket",),
            # presigned PUT / UploadPart / GET are signed with the ingress's role: it writes
            # uploads; of media it reads playlists and signs downloads, and writes and deletes
            # only what the owner sends (OWNER_MEDIA), never the transcoder's outputs
            objects=(
                ObjectAccess(
                    UPLOAD_PREFIX,
                    (
                        "s3:PutObject",
                        "s3:GetObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ),
                ),
                ObjectAccess(MEDIA_PREFIX, ("s3:GetObject",)),
                *(
                    ObjectAccess(owned, ("s3:PutObject", "s3:DeleteObject"))
                    for owned in OWNER_MEDIA
                ),
            ),
            user_pool_actions=(
                "cognito-idp:DescribeUserPool",
                "cognito-idp:DescribeUserPoolClient",
                # a deleted account can no longer log in, at once (usecases/accounts.py)
                "cognito-idp:AdminDisableUser",
            ),
            max_tasks=6,
            target=60,  # percent CPU
        ),
        Process(
            UPLOAD_FINALIZER,
            ("worker", UPLOAD_FINALIZER),
            ports[UPLOAD_FINALIZER],
            _RELEASING_TABLES,
            bucket_actions=("s3:ListBucket",),
            # reads the upload's first bytes; a rejected upload is deleted
            objects=(ObjectAccess(UPLOAD_PREFIX, ("s3:GetObject", "s3:DeleteObject")),),
            target=50,
        ),
        # one transcode at a time per task (max_in_flight 1): a backlog of 2 per task is a
        # wait of about one transcode
        Process(
            TRANSCODER,
            ("worker", TRANSCODER),
            ports[TRANSCODER],
            _RELEASING_TABLES,
            cpu=1024,
            memory_mib=2048,
            scratch_gib=60,
            bucket_actions=("s3:ListBucket",),
            # reads the source, never deletes it (housekeeping does, on `video.rejected`);
            # writes the outputs and deletes those of an earlier attempt
            objects=(
                ObjectAccess(UPLOAD_PREFIX, ("s3:GetObject",)),
                ObjectAccess(
                    MEDIA_PREFIX,
                    (
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:AbortMultipartUpload",
                    ),
                ),
            ),
            max_tasks=8,
            target=2,
        ),
        # fetches links into the bucket (multipart), outbound HTTP to public addresses only
        Process(
            IMPORTER,
            ("worker", IMPORTER),
            ports[IMPORTER],
            _RELEASING_TABLES,
            # writes the source it fetched, in parts; aborts them when the link fails
            objects=(ObjectAccess(UPLOAD_PREFIX, ("s3:PutObject", "s3:AbortMultipartUpload")),),
            max_tasks=4,
        ),
        Process(
            METADATA_INDEXER,
            ("worker", METADATA_INDEXER),
            ports[METADATA_INDEXER],
            (*_RELEASING_TABLES, SEARCH_TABLE),  # its give-up ends a video's processing turn
        ),
        Process(
            NOTIFIER,
            ("worker", NOTIFIER),
            ports[NOTIFIER],
            (*_WORKER_TABLES, WEBHOOKS_TABLE),
            sends_to=(WEBHOOK_SENDER,),
        ),
        Process(
            WEBHOOK_SENDER,
            ("worker", WEBHOOK_SENDER),
            ports[WEBHOOK_SENDER],
            (*_WORKER_TABLES, WEBHOOKS_TABLE),
            target=50,
        ),
        Process(
            HOUSEKEEPING,
            ("worker", HOUSEKEEPING),
            ports[HOUSEKEEPING],
            # a deleted account: its search entries and webhook go too (account_removal.py)
            (*_RELEASING_TABLES, SEARCH_TABLE, WEBHOOKS_TABLE),
            bucket_actions=("s3:ListBucket", "s3:ListBucketMultipartUploads"),
            # what deleted videos and rejected uploads leave, everywhere
            objects=tuple(
                ObjectAccess(prefix, ("s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"))
                for prefix in (UPLOAD_PREFIX, MEDIA_PREFIX)
            ),
            user_pool_actions=("cognito-idp:AdminDeleteUser",),
            max_tasks=2,
        ),
    )
