"""Configuration: one class, read from the environment only.

Defaults run the embedded local stack: in local mode an unset `AWS_ENDPOINT_URL` is the
emulator's default endpoint (`LOCAL_ENDPOINT`, where `make run` serves it), so every command
that opens AWS clients finds the local stack by itself; an endpoint of AWS itself is refused
there (local mode only ever talks to an emulator). On AWS the same code runs with
`VIDEOSHARE_MODE=aws`, no `AWS_ENDPOINT_URL`, real credentials from the standard chain, and the
Cognito ids set.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Final
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

# The local emulator's port and endpoint (`videoshare emulator`, `make run`).
LOCAL_EMULATOR_PORT: Final = 4566
LOCAL_ENDPOINT: Final = f"http://127.0.0.1:{LOCAL_EMULATOR_PORT}"
# The domains of AWS's own endpoints (commercial, China, the dual-stack `api.aws`).
AWS_DOMAINS: Final = ("amazonaws.com", "amazonaws.com.cn", "api.aws")


class Mode(StrEnum):
    LOCAL = "local"
    AWS = "aws"


@dataclass(frozen=True, slots=True)
class Cdn:
    """Media through CloudFront: the distribution's domain, the signing key's public key id,
    the Secrets Manager secret holding its private key."""

    domain: str
    key_pair_id: str
    private_key_secret_arn: str


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIDEOSHARE_", extra="ignore", frozen=True)

    mode: Mode = Mode.LOCAL
    # Every AWS resource name starts with this, so several stacks can share one account.
    stack: str = Field(default="videoshare", pattern=r"^[a-z][a-z0-9-]{1,30}$")
    # The tables' names start with this instead (None: the stack): after a point-in-time
    # restore into new tables, the services switch to them here (docs/DEPLOY.md, "Restore").
    table_prefix: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{1,60}$")

    # --- the standard AWS variables (no prefix) --------------------------------------------
    aws_region: str = Field(
        default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    # Unset (or empty): `LOCAL_ENDPOINT` in local mode, AWS itself otherwise.
    aws_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_ENDPOINT_URL"), validate_default=True
    )
    aws_access_key_id: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_ACCESS_KEY_ID")
    )
    aws_secret_access_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AWS_SECRET_ACCESS_KEY")
    )

    # --- Cognito ---------------------------------------------------------------------------
    # Empty: looked up by name (the local stack provisions them with generated ids).
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    # Separate from each other on purpose: the emulator serves its JWKS itself while its
    # tokens carry the AWS-form issuer. Empty: derived from the pool id.
    jwks_url: str | None = None
    token_issuer: str | None = None

    # --- ingress ---------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=0, le=65535)
    # The origin of the web app, for bucket CORS (and later the API's own CORS).
    web_origin: str = "http://127.0.0.1:8080"
    # Where presigned S3 URLs point (uploads; media too without a CDN), for the web app's
    # Content-Security-Policy, which adds the CDN's origin when there is one. Empty: the
    # emulator's endpoint locally, the bucket's S3 origin on AWS.
    media_origin: str | None = None
    # Largest upload accepted, in bytes (10 GiB).
    max_upload_bytes: int = Field(default=10 * 1024**3, gt=0)
    upload_url_ttl_s: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    download_url_ttl_s: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    # Files the owner sends through the API itself (read into memory, hence small caps): one
    # captions file (a feature film's SRT is ~100 KiB), and a poster image, whose pixel count is
    # also capped before it is decoded (a 4K frame fits; a decompression bomb does not).
    max_caption_bytes: int = Field(default=1024**2, gt=0, le=16 * 1024**2)
    max_poster_bytes: int = Field(default=10 * 1024**2, gt=0, le=64 * 1024**2)
    max_poster_pixels: int = Field(default=40_000_000, gt=0, le=200_000_000)
    # Uploads above this size are multipart (S3 takes at most 5 GiB in one PUT).
    multipart_threshold_bytes: int = Field(default=64 * 1024**2, ge=5 * 1024**2, le=5 * 1024**3)
    # The preferred part size; larger when a file would need more than 10,000 parts.
    multipart_part_size_bytes: int = Field(default=16 * 1024**2, ge=5 * 1024**2, le=5 * 1024**3)
    # GET /v1/videos/{id}/events: the record is read every `events_poll_interval_s` while it
    # changes, twice as long after each read that found nothing new, up to
    # `events_poll_max_interval_s`; the heartbeat comment's interval; the longest a stream stays
    # open before it ends with a `retry:` hint (the client resumes with Last-Event-ID; below
    # API Gateway's 30 s integration timeout); the streams one user and one client address may
    # hold at once per ingress process (then 429).
    events_poll_interval_s: float = Field(default=1.0, gt=0, le=10)
    events_poll_max_interval_s: float = Field(default=4.0, gt=0, le=60)
    events_heartbeat_s: float = Field(default=15.0, gt=0, le=300)
    events_max_lifetime_s: float = Field(default=25.0, gt=0, le=24 * 3600)
    events_streams_per_user: int = Field(default=10, ge=1, le=10_000)
    events_streams_per_address: int = Field(default=30, ge=1, le=100_000)
    # Signs the short-lived playback tokens of HLS and storyboard URLs (players cannot send an
    # Authorization header). Required on AWS; locally derived from the stack name when unset.
    playback_secret: SecretStr | None = None
    playback_token_ttl_s: int = Field(default=4 * 3600, ge=60, le=7 * 24 * 3600)
    # Views are counted in the ingress's memory and added to the records this often.
    views_flush_interval_s: float = Field(default=5.0, gt=0, le=300)
    # Where clients reach the ingress (behind a proxy or CDN); None: the request's own origin.
    public_base_url: str | None = None

    # --- media through CloudFront (adapters/media_urls.py) -----------------------------------
    # All three or none. Set: renditions, posters, HLS segments, the storyboard sprite and
    # downloads are CloudFront signed URLs on `cdn_domain` (the distribution in front of the
    # media bucket), signed by the key pair whose public key id is `cdn_key_pair_id`, with the
    # RSA private key (PEM) read once at start from the Secrets Manager secret
    # `cdn_private_key_secret_arn`. None: S3 presigned URLs, as locally.
    cdn_domain: str | None = Field(default=None, pattern=r"^[a-z0-9.-]+$")
    cdn_key_pair_id: str | None = None
    cdn_private_key_secret_arn: str | None = None

    # --- limits (api/limits.py) --------------------------------------------------------------
    # Failed logins of one account from one address in a row: the first `login_free_failures`
    # cost nothing, then the next attempt waits `login_delay_base_s`, doubling with each further
    # failure up to `login_delay_max_s` (429 + Retry-After); a success starts again. Nobody is
    # locked out of their account by someone guessing from elsewhere.
    login_free_failures: int = Field(default=3, ge=0, le=100)
    login_delay_base_s: float = Field(default=1.0, gt=0, le=3600)
    login_delay_max_s: float = Field(default=300.0, gt=0, le=24 * 3600)
    # Failed logins allowed per window from one client address (over all accounts), then 429.
    login_failures_per_address: int = Field(default=50, ge=1)
    login_window_s: int = Field(default=900, ge=1)
    # Proxies in front of the ingress that append to X-Forwarded-For (1 behind the AWS load
    # balancer): the client address is read that many hops from the right (api/client_address.py).
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)
    # Per user: bytes stored (declared or measured sizes of videos not deleted), 413 beyond;
    # videos created per UTC day, 429 beyond.
    storage_quota_bytes: int = Field(default=50 * 1024**3, gt=0)
    uploads_per_day: int = Field(default=100, ge=1)
    # Per user: videos processed at once (uploaded to ready); the others wait their turn in the
    # upload-finalizer's queue, looked at again every `processing_wait_s` (SQS: at most 900 s).
    processing_slots_per_user: int = Field(default=3, ge=1)
    processing_wait_s: int = Field(default=30, ge=1, le=900)
    # Per user: minutes of video processed per UTC day (charged when the transcoder has probed
    # the source); POST /v1/videos answers 429 once they are spent, until the day rolls over.
    processing_minutes_per_day: int = Field(default=600, ge=1)

    # --- webhooks (workers/webhook_sender.py) -----------------------------------------------
    # Local mode only: let webhooks call loopback/private addresses (a receiver on this machine).
    webhook_allow_private_targets: bool = False
    # The wait after the first failed attempt; it doubles up to 6 h, for about a day in all.
    webhook_retry_base_s: float = Field(default=30.0, gt=0)

    # --- imports from a link (workers/importer.py, usecases/imports.py) ---------------------
    # The largest source fetched (reserved from the owner's quota until its size is known), the
    # whole fetch's time limit, and the redirects followed (each hop checked again).
    import_max_bytes: int = Field(default=2 * 1024**3, gt=0)
    import_timeout_s: float = Field(default=900.0, gt=0)
    import_max_redirects: int = Field(default=5, ge=0, le=20)
    # Local mode only: let imports fetch from loopback/private addresses (a server on this
    # machine), as `webhook_allow_private_targets` does for webhooks.
    import_allow_private_sources: bool = False

    # --- consumer runtime ------------------------------------------------------------------
    wait_time_s: int = Field(default=20, ge=0, le=20)
    max_in_flight: int = Field(default=10, ge=1, le=1000)
    # Short, and kept alive by the heartbeat (a third of it) while a message is handled: a
    # worker killed mid-job has its message taken again within this long.
    visibility_timeout_s: int = Field(default=20, ge=5, le=12 * 3600)
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    idempotency_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    # The transcoder's own visibility timeout; its heartbeat extends it while it runs.
    transcode_visibility_timeout_s: int = Field(default=20, ge=5, le=12 * 3600)
    # On SIGTERM/SIGINT a worker lets the jobs in flight go on this long, then hands each
    # message back (visible at once); `make run` sets 0. Every AWS call while stopping takes
    # at most `shutdown_call_timeout_s`, so a worker stops within `worker_stop_bound_s` even
    # when AWS cannot be reached (the template's ECS StopTimeout is made from it).
    shutdown_drain_s: float = Field(default=15.0, ge=0, le=90)
    shutdown_call_timeout_s: float = Field(default=2.0, gt=0, le=10)

    # --- operations: health and metrics side server, housekeeping ---------------------------
    # Port of a worker's /healthz, /readyz, /metrics; None: the worker's default
    # (infra/processes.HEALTH_PORTS); 0: any free port (logged).
    health_port: int | None = Field(default=None, ge=0, le=65535)
    health_host: str = "127.0.0.1"
    # How often each worker samples its dead-letter queue's depth for /metrics.
    dlq_sample_interval_s: float = Field(default=15.0, gt=0)
    # Housekeeping: how often it sweeps, and when a non-terminal video counts as stuck.
    sweep_interval_s: float = Field(default=60.0, gt=0)
    stuck_after_s: int = Field(default=15 * 60, ge=1)

    # --- media -----------------------------------------------------------------------------
    ffmpeg_threads: int = Field(default=2, ge=1, le=64)
    # The longest one transcode may take; past it ffmpeg is killed and the video rejected
    # (too_costly), never retried.
    transcode_timeout_s: int = Field(default=1800, ge=10)
    # Decoded pixels a second one transcode gets through (measure on the worker's machine size):
    # x `transcode_timeout_s`, the most duration x frame pixels x frame rate a source may have;
    # past it the video is rejected (too_costly) before ffmpeg runs (`media/cost.py`).
    transcode_pixels_per_s: int = Field(default=100_000_000, gt=0)
    # ffmpeg's OS limits (`media/ffmpeg_limits.py`); past one, the video is rejected (too_costly).
    # Address space: measured VmPeak ~1.65 GiB at 1080p and 4K with 2 threads (more threads
    # reserve more: raise it with `ffmpeg_threads`).
    ffmpeg_max_address_space_bytes: int = Field(default=4 * 1024**3, ge=256 * 1024**2)
    ffmpeg_max_cpu_s: int = Field(default=2 * 3600, ge=1)
    ffmpeg_max_file_bytes: int = Field(default=20 * 1024**3, ge=1)  # any one output file
    ffmpeg_max_open_files: int = Field(default=256, ge=16)
    # Caps checked when probing an upload (the file size cap is `max_upload_bytes`).
    max_video_duration_s: float = Field(default=4 * 3600.0, gt=0)
    max_video_pixels: int = Field(default=4096 * 2304, gt=0)  # a frame's width x height; 4K fits
    work_dir: str | None = None  # None: the system temp folder

    @field_validator("aws_endpoint_url")
    @classmethod
    def _local_endpoint(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The one rule for where AWS is: as set, else the local emulator in local mode. Local
        mode only ever talks to an emulator: a real AWS endpoint there is refused, so a
        deployment that forgot `VIDEOSHARE_MODE=aws` cannot start (with local mode's derivable
        playback secret and its relaxed webhook rules) against real resources."""
        if info.data.get("mode") is not Mode.LOCAL:
            return value or None
        if not value:
            return LOCAL_ENDPOINT
        host = (urlsplit(value).hostname or "").rstrip(".").lower()
        if not host:
            raise ValueError(f"{value!r} is not a URL with a host")
        if any(host == domain or host.endswith(f".{domain}") for domain in AWS_DOMAINS):
            raise ValueError(
                f"{value} is AWS itself, and local mode only talks to an emulator; set "
                "VIDEOSHARE_MODE=aws to run on AWS, or point AWS_ENDPOINT_URL at the emulator"
            )
        return value

    @model_validator(mode="after")
    def _cdn_all_or_none(self) -> Settings:
        cdn = {
            "VIDEOSHARE_CDN_DOMAIN": self.cdn_domain,
            "VIDEOSHARE_CDN_KEY_PAIR_ID": self.cdn_key_pair_id,
            "VIDEOSHARE_CDN_PRIVATE_KEY_SECRET_ARN": self.cdn_private_key_secret_arn,
        }
        missing = [name for name, value in cdn.items() if not value]
        if missing and len(missing) < len(cdn):
            raise ValueError(f"media through a CDN also needs {', '.join(missing)}")
        return self

    @property
    def cdn(self) -> Cdn | None:
        """The CDN that media URLs are signed for; None: S3 presigned URLs."""
        if self.cdn_domain and self.cdn_key_pair_id and self.cdn_private_key_secret_arn:
            return Cdn(self.cdn_domain, self.cdn_key_pair_id, self.cdn_private_key_secret_arn)
        return None

    @cached_property
    def bucket(self) -> str:
        return f"{self.stack}-media"

    @cached_property
    def topic_name(self) -> str:
        return f"{self.stack}-events"

    @cached_property
    def user_pool_name(self) -> str:
        return f"{self.stack}-users"

    @cached_property
    def app_client_name(self) -> str:
        return f"{self.stack}-web"

    def table(self, name: str) -> str:
        return f"{self.table_prefix or self.stack}-{name}"

    def queue(self, name: str) -> str:
        return f"{self.stack}-{name}"

    def issuer_for(self, pool_id: str) -> str:
        if self.token_issuer:
            return self.token_issuer
        return f"https://cognito-idp.{self.aws_region}.amazonaws.com/{pool_id}"

    def jwks_url_for(self, pool_id: str) -> str:
        if self.jwks_url:
            return self.jwks_url
        if self.aws_endpoint_url:
            return f"{self.aws_endpoint_url.rstrip('/')}/{pool_id}/.well-known/jwks.json"
        return f"{self.issuer_for(pool_id)}/.well-known/jwks.json"

    @property
    def is_local(self) -> bool:
        return self.mode is Mode.LOCAL

    @property
    def webhooks_may_call_private(self) -> bool:
        return self.is_local and self.webhook_allow_private_targets

    @property
    def imports_may_fetch_private(self) -> bool:
        return self.is_local and self.import_allow_private_sources

    def playback_key(self) -> bytes:
        """The HMAC key of playback tokens (every ingress process of a stack must agree)."""
        if self.playback_secret is not None:
            return self.playback_secret.get_secret_value().encode()
        if self.is_local:
            return f"videoshare-local-playback:{self.stack}".encode()
        raise ValueError("VIDEOSHARE_PLAYBACK_SECRET must be set outside local mode")
