"""Builds the adapters from settings, so entry points and tests assemble the same parts the same way."""

from __future__ import annotations

from dataclasses import dataclass

from services.adapters.database import DocumentStore
from services.adapters.ocr import EngineSpec, OcrEngine, PooledEngine
from services.adapters.queue import OcrQueue, QueueKeys, connect
from services.adapters.storage import ObjectStore, open_object_store
from services.pipeline.verify import Thresholds
from services.settings import Settings


@dataclass
class Components:
    settings: Settings
    store: DocumentStore
    objects: ObjectStore
    queue: OcrQueue


def build_components(settings: Settings) -> Components:
    return Components(
        settings=settings,
        store=DocumentStore(settings.database_url),
        objects=open_object_store(settings.storage_url),
        queue=OcrQueue(connect(settings.redis_url), keys=QueueKeys.for_prefix(settings.redis_prefix)),
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
    return Thresholds(approve_at=settings.approve_at, reject_below=settings.reject_below)
