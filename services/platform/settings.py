"""One typed settings object, read from FILOT_* environment variables, so no module reads os.environ itself."""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from services.core.scoring import ScoreWeights


def _comma_list(value: object) -> object:
    """A list setting as people write it: a JSON list, or plain comma-separated text."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


# NoDecode: pydantic-settings would parse the variable as JSON first and fail on "https://a,https://b".
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]

class ConfigurationError(ValueError):
    """A setting a process cannot start with: one line per problem, each naming its variable."""


# The decoders' pixel cap: the default of FILOT_MAX_IMAGE_PIXELS, and what services/__init__.py hands OpenCV before
# any module imports it (one place for both).
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000

# Settings that are never valid empty (an unset one takes its default; an empty one is a hole in a secret).
NEVER_EMPTY = (
    "redis_url",
    "database_url",
    "storage_url",
    "api_url",
    "buli2_url",
    "s3_endpoint_url",
    "r2_access_key_id",
    "r2_secret_access_key",
)
# The keys that authenticate or sign, and their values in the local stage alone. Elsewhere a key is empty until
# set, a set one is checked (Settings._check_keys), and each process requires the ones it uses at start
# (Settings.require_keys): a worker holds no API key it does not need.
LOCAL_KEYS = {
    "service_key": "local-service-key",
    "callback_key": "local-callback-key",
    "link_key": "local-link-key",
    "nik_hash_key": "local-nik-hash-key",
    "webhook_key": "local-webhook-key",
    "pii_key": "local-pii-key-for-the-local-stage-only",
    "buli2_api_key": "local-buli2-key",
}
MIN_KEY_LENGTH = 24


class Settings(BaseSettings):
    """Every tunable of the services; defaults run the whole pipeline locally."""

    # "null" in an environment variable means None (e.g. FILOT_REVIEWER_AUTO_DECIDE_S=null: decide by hand).
    model_config = SettingsConfigDict(env_prefix="FILOT_", env_file=".env", extra="ignore", env_parse_none_str="null")

    stage: str = Field(default="local", pattern=r"^[a-z][a-z0-9-]{1,20}$")

    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = Field(default="filot", pattern=r"^[A-Za-z0-9_.-]+$")
    database_url: str = "sqlite:///./var/filot.db"
    storage_url: str = "file://./var/objects"
    # S3-API storage (FILOT_STORAGE_URL=s3://bucket/optional-prefix). Endpoint for R2
    # (https://<account>.r2.cloudflarestorage.com) or another S3 API; None: AWS S3 itself.
    s3_endpoint_url: str | None = None
    # None: "auto" with an endpoint (what R2 expects), else boto3's default region (AWS_REGION).
    s3_region: str | None = None
    # R2 API token keys; None: boto3's default credential chain (task role, AWS_* variables).
    r2_access_key_id: SecretStr | None = None
    r2_secret_access_key: SecretStr | None = None
    # Server-side encryption requested on every write and presigned upload; None asks for none.
    s3_server_side_encryption: Literal["AES256"] | None = "AES256"
    # Lifetime of a presigned upload URL (POST /v1/documents/upload-url); then how much longer the pending
    # upload may still be submitted (a slow mobile PUT that started just before expiry must finish).
    upload_url_ttl_s: int = Field(default=300, ge=30, le=3600)
    upload_submit_grace_s: int = Field(default=600, ge=0, le=86400)

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # The API's own base URL as the reviewer reaches it for callbacks.
    api_url: str = "http://127.0.0.1:8000"

    buli2_url: str = "http://127.0.0.1:8100"
    buli2_api_key: str = ""
    buli2_timeout_s: float = Field(default=5.0, gt=0)
    # Tries per escalation (exponential backoff, full jitter), and the circuit breaker: open after this
    # many consecutive failures, try again after the reset time.
    buli2_attempts: int = Field(default=3, ge=1, le=10)
    buli2_breaker_fail_max: int = Field(default=3, ge=1)
    buli2_breaker_reset_s: float = Field(default=60.0, gt=0)
    # Three keys, one purpose each, so that seeing one lets nobody do what another allows: service_key is
    # BULI2's credential when it calls us (X-Service-Key); callback_key the HMAC BULI2 signs its decisions with;
    # link_key signs the image links we hand BULI2's reviewers (never leaves this service). Outside the local stage
    # each must be set, to a value of at least MIN_KEY_LENGTH characters, and differ from the others.
    service_key: str = ""
    callback_key: str = ""
    link_key: str = ""
    # The HMAC key of the NIK hash (services/core/identity.py), which the duplicate-identity checks search: the
    # workers need it. Rotating it orphans every stored hash (old verifications stop counting as duplicates).
    nik_hash_key: str = ""
    # The result webhook (services/application/webhooks.py): the client's endpoint (None: none is sent), the HMAC
    # key it verifies our signatures with (the BULI2 callback's scheme), and how hard we try.
    # Encryption of the personal data at rest (services/platform/pii_cipher.py): the current key (random text of
    # 32+ characters), its id (stored with every value), and earlier keys that must still read (JSON {id: text}).
    pii_key: str = ""
    pii_key_id: str = Field(default="k1", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    pii_old_keys: str = ""
    webhook_url: str | None = None
    webhook_key: str = ""
    webhook_timeout_s: float = Field(default=3.0, gt=0, le=30)
    webhook_attempts: int = Field(default=8, ge=1, le=20)
    # Signed callbacks older (or newer) than this are refused as replays.
    callback_window_s: int = Field(default=300, ge=10, le=3600)
    # Lifetime of the image links handed to BULI2 (presigned URLs once storage is S3/R2); a link signed to live
    # longer than this is refused, whoever signed it.
    image_url_ttl_s: int = Field(default=900, ge=30, le=86400)

    # JWT bearer tokens from the identity provider (Stack Auth): verified against its JWKS.
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithms: CommaList = Field(default_factory=lambda: ["RS256"])

    # Development auth: the caller names itself in X-Dev-User. None means "on only in the local stage".
    dev_auth: bool | None = None

    approve_at: float = Field(default=85.0, ge=0, le=100)
    reject_below: float = Field(default=35.0, ge=0, le=100)
    # Points per score component, JSON (e.g. FILOT_SCORE_WEIGHTS='{"image_quality": 10}'); unnamed ones keep
    # their defaults (fields_present 30, ocr_confidence 20, format_valid 35, image_quality 15,
    # claim_mismatch_penalty 15). `make eval` checks a change still auto-approves no invalid card.
    score_weights: dict[str, float] = Field(default_factory=dict)

    lock_ttl_s: int = Field(default=600, ge=1)
    max_attempts: int = Field(default=3, ge=1)
    worker_poll_interval_s: float = Field(default=0.2, gt=0)
    # SIGTERM: finish the current document within this many seconds, else release it (ECS waits 30 s).
    shutdown_grace_s: float = Field(default=25.0, ge=0)
    # The reconciler moves a document from the GPU queue to the CPU queue after it waited this long while GPU
    # workers poll (the fleet is saturated), or gpu_cold_start_wait_s while none has polled for 30 s (a fleet
    # scaling from zero, which takes minutes, or one that cannot start): a GPU fleet that fails strands nothing.
    gpu_queue_max_wait_s: float = Field(default=120.0, gt=0)
    gpu_cold_start_wait_s: float = Field(default=600.0, gt=0)
    # The reconciler treats a document as stuck after this long without a change.
    stale_after_s: float = Field(default=120.0, gt=0)
    # Retention (UU PDP: data is deleted once its purpose is met), counted from the final decision; a document
    # under review keeps everything until the review ends. The decision, score, reason codes and the audit trail
    # (which holds no PII) are kept.
    image_retention_days: int = Field(default=30, ge=1, le=3650)
    pii_retention_days: int = Field(default=365, ge=1, le=3650)
    # A document recorded but in no queue (the API died between its writes, Redis was down at the upload or was
    # flushed) is pushed again once it is this old: the one window between the API's writes and the repair.
    recovery_grace_s: float = Field(default=5.0, ge=0)
    # Final results decided this recently are re-published if their publish was lost (once per decision).
    republish_window_s: float = Field(default=3600.0, gt=0)
    # queue: Redis queues and workers (default); temporal: each document as a Temporal workflow.
    workflow_engine: Literal["queue", "temporal"] = "queue"
    temporal_address: str = "127.0.0.1:7233"
    temporal_task_queue: str = "filot-documents"
    # Temporal path: how long a workflow waits for BULI2's human decision before it ends as review_timeout.
    review_timeout_s: float = Field(default=3 * 86400.0, gt=0)
    # An escalation BULI2 has not answered within this is sent again and reported as overdue.
    review_sla_s: float = Field(default=86400.0, gt=0)

    # Sliding one-minute windows kept in Redis: per user and per client address.
    rate_limit_user_per_minute: int = Field(default=60, ge=1)
    rate_limit_address_per_minute: int = Field(default=120, ge=1)
    # Reads and lists by a user (per user; twice that per address).
    rate_limit_read_per_minute: int = Field(default=300, ge=1)
    # Where the per-address limit finds the client (services.api.ratelimit.client_address): the proxies in front
    # that append to X-Forwarded-For (the load balancer: 1; none: the socket's peer), and Cloudflare's ranges
    # (CIDR list) from which CF-Connecting-IP is believed.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)
    cloudflare_ranges: CommaList = Field(default_factory=list)
    # Browser origins allowed to call the API: a JSON list or comma-separated; empty: no cross-origin access.
    cors_origins: CommaList = Field(default_factory=list)

    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=DEFAULT_MAX_IMAGE_PIXELS, ge=10_000)
    # Uploads an API process decodes at once (each up to ~3 bytes a pixel of max_image_pixels): the bound on its
    # decode memory, whatever the number of requests in flight.
    upload_decode_slots: int = Field(default=2, ge=1, le=64)

    ocr_lang: str = "ind+eng"
    ocr_psm: int = Field(default=6, ge=0, le=13)
    ocr_timeout_s: float = Field(default=60.0, gt=0)
    # auto: the warm tesserocr engine when installed, else pytesseract (one process spawn per call).
    ocr_engine: Literal["auto", "tesserocr", "pytesseract"] = "auto"
    # 0: OCR in the worker's own process; N: a pool of N warm engine processes (one per vCPU).
    ocr_processes: int = Field(default=0, ge=0, le=64)
    # Documents a worker process holds at once (preprocessing of one overlaps OCR of the others); None: one per
    # engine process plus one (1 with the in-process engine). A bound: a long queue never fills a worker's memory.
    worker_concurrency: int | None = Field(default=None, ge=1, le=64)
    # Preprocessing: the normalised card width the OCR sees.
    card_width_px: int = Field(default=1000, ge=320, le=4000)
    # GPU-path preprocessing kernels: auto = CUDA when a GPU is present, else the Numba CPU twins.
    kernel_backend: Literal["auto", "cuda", "cpu"] = "auto"


    log_level: str = "INFO"
    # json: one object a line for CloudWatch (the default); text: for a person reading a terminal.
    log_format: Literal["json", "text"] = "json"

    @field_validator("cloudflare_ranges")
    @classmethod
    def _networks(cls, ranges: list[str]) -> list[str]:
        for cidr in ranges:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"{cidr[:64]!r} is not an address range (CIDR, e.g. 173.245.48.0/20)") from None
        return ranges

    @model_validator(mode="before")
    @classmethod
    def _local_keys(cls, data: object) -> object:
        """The local stage runs on known keys; no other stage gets them by default."""
        if isinstance(data, dict) and data.get("stage", "local") == "local":
            for name, value in LOCAL_KEYS.items():
                if not data.get(name):
                    data[name] = value
        return data

    @model_validator(mode="after")
    def _check(self) -> Settings:
        self._refuse_empty()
        if self.reject_below > self.approve_at:
            raise ValueError("FILOT_REJECT_BELOW must not exceed FILOT_APPROVE_AT")
        unknown = set(self.score_weights) - set(ScoreWeights.__dataclass_fields__)
        if unknown:
            raise ValueError(f"FILOT_SCORE_WEIGHTS names unknown components: {', '.join(sorted(unknown))}")
        if self.jwt_jwks_url and not (self.jwt_issuer and self.jwt_audience):
            raise ValueError("FILOT_JWT_JWKS_URL needs FILOT_JWT_ISSUER and FILOT_JWT_AUDIENCE")
        if any(alg.upper().startswith("HS") or alg.lower() == "none" for alg in self.jwt_algorithms):
            raise ValueError("FILOT_JWT_ALGORITHMS must be asymmetric (RS*, PS*, ES*, EdDSA): keys come from a JWKS")
        if (self.r2_access_key_id is None) != (self.r2_secret_access_key is None):
            raise ValueError("FILOT_R2_ACCESS_KEY_ID and FILOT_R2_SECRET_ACCESS_KEY go together")
        if self.dev_auth and self.stage != "local":
            raise ValueError("FILOT_DEV_AUTH may only be enabled in the local stage")
        if self.stage != "local":
            self._check_keys()
        return self

    def _refuse_empty(self) -> None:
        """A setting given but empty is a secret field nobody filled in (the stacks create each secret as its JSON
        shape with empty values): name it, instead of failing later on a connection to nowhere."""
        for name in NEVER_EMPTY:
            value = getattr(self, name)
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if text is not None and not str(text).strip():
                raise ValueError(f"FILOT_{name.upper()} is empty: fill its field in the stage's secret (or unset it)")

    def _check_keys(self) -> None:
        keys = {name: getattr(self, name) for name in LOCAL_KEYS if getattr(self, name)}
        for name, value in keys.items():
            variable = f"FILOT_{name.upper()}"
            if value in LOCAL_KEYS.values():
                raise ValueError(f"{variable} is a local default: set it (from Secrets Manager) in stage {self.stage}")
            if len(value) < MIN_KEY_LENGTH:
                raise ValueError(f"{variable} must be at least {MIN_KEY_LENGTH} characters outside the local stage")
        if len(set(keys.values())) < len(keys):
            raise ValueError(f"{', '.join(f'FILOT_{n.upper()}' for n in keys)} must all differ: one key, one purpose")

    def require_keys(self, *names: str) -> None:
        """Refuse to start without the keys this process uses (each entry point names its own)."""
        missing = [f"FILOT_{name.upper()}" for name in names if not getattr(self, name)]
        if missing:
            raise ConfigurationError(f"{', '.join(missing)} must be set in stage {self.stage} (from Secrets Manager)")

    @property
    def dev_auth_enabled(self) -> bool:
        return self.stage == "local" if self.dev_auth is None else self.dev_auth


def describe(error: ValidationError | SettingsError) -> str:
    """pydantic's errors as `FILOT_NAME: what is wrong` lines (a cross-field check names its variables itself)."""
    if isinstance(error, SettingsError):  # a JSON-valued variable that is not JSON
        named = re.search(r'field "(\w+)"', str(error))
        return f"FILOT_{named.group(1).upper() if named else '?'}: not valid JSON"
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"FILOT_{field.upper()}: {message}" if field else message)
    return "; ".join(lines)


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command (`args.func`); a setting it cannot start with is one line naming the variable, exit 2,
    not a traceback (every command line of the repository goes through here)."""
    try:
        return int(args.func(args))
    except ConfigurationError as exc:
        message = str(exc)
    except (ValidationError, SettingsError) as exc:
        message = describe(exc)
    print(f"filot: configuration error: {message}", file=sys.stderr)
    return 2


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own Settings instead of mutating this one.

    Every entry point (API, workers, reconciler, Lambda) comes through here, so FILOT_SECRETS is resolved
    from Secrets Manager once, before the settings are read.
    """
    from services.platform.secrets import load_secret_settings

    load_secret_settings()
    try:
        return Settings()
    except (ValidationError, SettingsError) as exc:
        raise ConfigurationError(describe(exc)) from None
