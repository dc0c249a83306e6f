"""`GET /metrics`: the metrics of services/platform/metrics.py in Prometheus text format, for services only.

Platform-wide values are read at scrape time, so every API replica shows the same: queue lengths and GPU jobs
in flight from Redis, documents by status, dead letters and decisions from the database. The rest is what this
process emitted (request durations, its BULI2 client's breaker and retries). Each app has its own
CollectorRegistry (never prometheus-client's global one, which a second app in one process would collide on).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import redis
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.api.deps import ServiceDep
from services.api.schemas import error_responses
from services.core.lifecycle import Status
from services.platform.metrics import (
    DEAD_LETTERS,
    DOCUMENTS_DECIDED,
    GPU_ACTIVE_JOBS,
    METRICS,
    PUBLISHED_QUEUES,
    QUEUE_LENGTH,
    REVIEWS_DECIDED,
    process_registry,
)
from services.wiring import Components

log = logging.getLogger("filot.api")
router = APIRouter(tags=["monitoring"])

# Read from Redis and the database rather than from this process's emits.
PLATFORM_WIDE = frozenset({QUEUE_LENGTH, GPU_ACTIVE_JOBS, DEAD_LETTERS, DOCUMENTS_DECIDED, REVIEWS_DECIDED})
DOCUMENTS_BY_STATUS = "filot_documents"
# The classic text format every Prometheus reads (newer clients call theirs 1.0.0; with names like ours the
# bytes are the same).
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


def _help(name: str, source: str) -> str:
    definition = METRICS[name]
    return f"{definition.description} (EMF {definition.name}; here {source})"


class PlatformCollector(Collector):
    """Queues from Redis, documents from the database; a source that is down leaves its families out."""

    def __init__(self, components: Components) -> None:
        self.c = components

    def collect(self) -> Iterator[Metric]:
        yield from self._redis()
        yield from self._database()

    def _redis(self) -> Iterator[Metric]:
        try:
            lengths = self.c.queue.lengths()
        except redis.RedisError as exc:
            log.warning("metrics: redis unavailable (%s); queue lengths left out", type(exc).__name__)
            return
        queues = GaugeMetricFamily(
            METRICS[QUEUE_LENGTH].prometheus_name, _help(QUEUE_LENGTH, "read from Redis"), labels=["queue"]
        )
        for key, queue in PUBLISHED_QUEUES.items():
            queues.add_metric([queue], lengths[key])
        yield queues
        yield GaugeMetricFamily(
            METRICS[GPU_ACTIVE_JOBS].prometheus_name,
            _help(GPU_ACTIVE_JOBS, "claimed GPU jobs in Redis"),
            value=lengths["gpu_processing"],
        )

    def _database(self) -> Iterator[Metric]:
        try:
            by_status = self.c.store.count_by_status()
            moves = self.c.store.transition_counts(into=[Status.APPROVED, Status.REJECTED, Status.NEEDS_REVIEW])
        except Exception as exc:  # noqa: BLE001 - any database failure: the scrape still answers
            log.warning("metrics: database unavailable (%s); document counts left out", type(exc).__name__)
            return
        documents = GaugeMetricFamily(
            DOCUMENTS_BY_STATUS, "documents in each state, from the database", labels=["status"]
        )
        for status, count in by_status.items():
            documents.add_metric([status.value], count)
        yield documents
        yield GaugeMetricFamily(
            METRICS[DEAD_LETTERS].prometheus_name,
            _help(DEAD_LETTERS, "failed documents in the database"),
            value=by_status[Status.FAILED],
        )
        # From the audit trail: a decision out of `scored` is automatic, out of `escalated` a reviewer's.
        decided, reviewed = (
            CounterMetricFamily(METRICS[name].prometheus_name, _help(name, "from the database"), labels=["decision"])
            for name in (DOCUMENTS_DECIDED, REVIEWS_DECIDED)
        )
        for decision in (Status.APPROVED, Status.REJECTED, Status.NEEDS_REVIEW):
            decided.add_metric([decision.value], moves.get((Status.SCORED.value, decision.value), 0))
        for decision in (Status.APPROVED, Status.REJECTED):
            reviewed.add_metric([decision.value], moves.get((Status.ESCALATED.value, decision.value), 0))
        yield decided
        yield reviewed


class EmittedCollector(Collector):
    """What this process emitted (services.platform.metrics), less the families read platform-wide above."""

    _skip = frozenset(METRICS[name].prometheus_name for name in PLATFORM_WIDE)

    def collect(self) -> Iterator[Metric]:
        for family in process_registry().collect():
            if family.name not in self._skip:
                yield family


def registry_for(app: FastAPI) -> CollectorRegistry:
    """This app's registry, built on the first scrape (collectors read at scrape time, so nothing is missed)."""
    registry: CollectorRegistry | None = getattr(app.state, "metrics_registry", None)
    if registry is None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(PlatformCollector(app.state.components))
        registry.register(EmittedCollector())
        app.state.metrics_registry = registry
    return registry


@router.get(
    "/metrics",
    response_class=Response,  # errors stay JSON (ApiError); 200 is text, documented here
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text format"},
        **error_responses(401, 403),
    },
    summary="Metrics in Prometheus text format (service key required; not for users)",
)
def metrics(request: Request, service: ServiceDep) -> Response:
    return Response(generate_latest(registry_for(request.app)), media_type=TEXT_FORMAT)
