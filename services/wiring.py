"""Builds the adapters from settings, so entry points and tests assemble the same parts the same way."""

from __future__ import annotations

from dataclasses import dataclass

from services.adapters.buli2 import Buli2Client
from services.adapters.database import DocumentStore
from services.adapters.ocr import EngineSpec, OcrEngine
from services.adapters.ocr_pool import PooledEngine
from services.adapters.queue import OcrQueue, QueueKeys, connect
from services.adapters.storage import ObjectStore, open_object_store
from services.core.scoring import ScoreWeights
from services.pipeline.verify import Thresholds
from services.platform.metrics import BACKEND_NAMESPACE
from services.platform.pii_cipher import FieldCipher
from services.platform.settings import Settings


@dataclass
class Components:
    settings: Settings
    store: DocumentStore
    objects: ObjectStore
    queue: OcrQueue


def build_components(settings: Settings) -> Components:
    return Components(
        settings=settings,
        store=DocumentStore(settings.database_url, cipher=pii_cipher(settings)),
        objects=open_object_store(settings.storage_url, settings),
        queue=OcrQueue(connect(settings.redis_url), keys=QueueKeys.for_prefix(settings.redis_prefix)),
    )


def build_buli2(settings: Settings, *, namespace: str = BACKEND_NAMESPACE) -> Buli2Client:
    """The BULI2 client; `namespace` is where its retry and breaker metrics go (the process's service)."""
    settings.require_keys("buli2_api_key")
    return Buli2Client(
        base_url=settings.buli2_url,
        api_key=settings.buli2_api_key,
        timeout_s=settings.buli2_timeout_s,
        attempts=settings.buli2_attempts,
        fail_max=settings.buli2_breaker_fail_max,
        reset_timeout_s=settings.buli2_breaker_reset_s,
        namespace=namespace,
    )


def engine_spec(settings: Settings) -> EngineSpec:
    return EngineSpec(kind=settings.ocr_engine, lang=settings.ocr_lang, psm=settings.ocr_psm, timeout_s=settings.ocr_timeout_s)


def build_engine(settings: Settings) -> OcrEngine:
    """In-process engine, or a pool of warm engine processes when FILOT_OCR_PROCESSES > 0."""
    spec = engine_spec(settings)
    if settings.ocr_processes > 0:
        return PooledEngine(spec, processes=settings.ocr_processes)
    return spec.build()


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        approve_at=settings.approve_at,
        reject_below=settings.reject_below,
        weights=ScoreWeights(**settings.score_weights),
    )


def pii_cipher(settings: Settings) -> FieldCipher:
    """The cipher of the personal data at rest: every process that reads or writes documents needs the key."""
    settings.require_keys("pii_key")
    return FieldCipher.from_texts(current_id=settings.pii_key_id, current=settings.pii_key, old=settings.pii_old_keys)
