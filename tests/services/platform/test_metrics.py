"""services/platform/metrics.py: every metric of the contract, emitted through aws-embedded-metrics, compared field by field
with the EMF document CloudWatch must receive (timestamp removed), and emitted by the real code paths: workers on
sample cards, the BULI2 client against a dead port, the reconciler, the API's middleware and its review callback."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from devtools.devservers import free_port
from services.adapters.buli2 import Buli2Client, Buli2Error
from services.api.app import create_app
from services.core.lifecycle import Status
from services.platform import metrics
from services.platform.metrics import (
    METRICS,
    RECOVERY_KINDS,
    MetricDef,
    MetricPoint,
    emf_environment,
    emit,
    process_registry,
    read_emf,
)
from services.platform.settings import Settings
from services.processes.reconciler import Reconciler, ReconcileReport
from services.wiring import Components, build_buli2, build_components
from tests.conftest import ServerThread
from tests.services.worker_helpers import CrashingEngine, sample, submit, worker

BACKEND, GPU, SCHEDULER = "FiLot/Backend", "FiLot/GpuWorker", "FiLot/Scheduler"

# The contract the dashboards and alarms are built on: name -> (unit, dimension names, namespaces).
CONTRACT: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "filot.queue_length": ("Count", ("Queue",), (SCHEDULER,)),
    "filot.gpu.active_jobs": ("Count", (), (GPU,)),
    "filot.gpu.processing_time_ms": ("Milliseconds", (), (GPU,)),
    "filot.buli2.retry_count": ("Count", (), (BACKEND, GPU)),
    "filot.circuit_breaker.state": ("None", (), (BACKEND, GPU)),
    "filot.http.request_duration_ms": ("Milliseconds", (), (BACKEND,)),
    "filot.documents.decided": ("Count", ("Decision",), (BACKEND, GPU)),
    "filot.reviews.decided": ("Count", ("Decision",), (BACKEND,)),
    "filot.document.decision_time_ms": ("Milliseconds", (), (BACKEND, GPU)),
    "filot.ocr.failures": ("Count", (), (BACKEND, GPU)),
    "filot.gpu.fallbacks": ("Count", ("Reason",), (GPU,)),
    "filot.reconciler.recoveries": ("Count", ("Kind",), (SCHEDULER,)),
    "filot.dead_letters": ("Count", (), (SCHEDULER,)),
    "filot.dependency.up": ("None", ("Dependency",), (SCHEDULER,)),
    "filot.appeals": ("Count", (), (BACKEND,)),
    "filot.retention.erased": ("Count", ("Kind",), (SCHEDULER,)),
    "filot.webhook.failures": ("Count", (), (SCHEDULER,)),
    "filot.webhook.dead_letters": ("Count", (), (SCHEDULER,)),
    "filot.capture.problems": ("Count", ("Reason",), (BACKEND, GPU)),
    "filot.gpu.start_failures": ("Count", ("Reason",), (GPU,)),
    "filot.card_finder.misses": ("Count", (), (BACKEND, GPU)),
}
SAMPLE_VALUES = {"Queue": "GPU", "Decision": "needs_review", "Reason": "ocr_failed", "Kind": "requeued", "Dependency": "redis"}


def expected_emf(namespace: str, name: str, value: float, dimensions: dict[str, str] | None = None) -> dict[str, Any]:
    """The EMF document of one value, as CloudWatch must get it: one dimension set, exactly ours."""
    unit, names, _ = CONTRACT[name]
    dimensions = dimensions or {}
    assert tuple(dimensions) == names
    return {
        "_aws": {
            "CloudWatchMetrics": [
                {"Namespace": namespace, "Dimensions": [list(names)], "Metrics": [{"Name": name, "Unit": unit}]}
            ]
        },
        **dimensions,
        name: value,
    }


def emf_documents(out: str, *names: str) -> list[dict[str, Any]]:
    """The EMF documents printed (timestamps checked, then removed), only those of `names` when given."""
    docs = []
    for line in out.splitlines():
        if '"_aws"' not in line:
            continue
        doc = json.loads(line)
        assert isinstance(doc["_aws"].pop("Timestamp"), int)
        if not names or any(name in doc for name in names):
            docs.append(doc)
    return docs


@pytest.fixture(autouse=True)
def local_emf(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin the default environment (stdout, no Lambda properties)."""
    monkeypatch.delenv("AWS_EMF_ENVIRONMENT", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)


# ---- the registry --------------------------------------------------------------------------------------


def test_the_registry_is_the_contract() -> None:
    assert {name: (m.unit, m.dimensions, m.namespaces) for name, m in METRICS.items()} == CONTRACT
    assert all(isinstance(m, MetricDef) and m.name == name for name, m in METRICS.items())


def test_recovery_kinds_are_the_reconciler_report_counters() -> None:
    counters = [f.name for f in fields(ReconcileReport) if f.type in ("int", int)]
    assert list(RECOVERY_KINDS) == counters
    assert all(kind in METRICS["filot.reconciler.recoveries"].description for kind in counters)


@pytest.mark.parametrize(
    ("namespace", "name"), [(ns, name) for name, (_, _, namespaces) in CONTRACT.items() for ns in namespaces]
)
def test_each_metric_is_one_emf_document_with_only_its_own_dimensions(
    namespace: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dimensions = {d: SAMPLE_VALUES[d] for d in CONTRACT[name][1]}
    emit(namespace, name, 7, dimensions=dimensions)
    (doc,) = emf_documents(capsys.readouterr().out)
    expected = expected_emf(namespace, name, 7, dimensions)
    # Field by field, so a failure names the field: no LogGroup/ServiceName/ServiceType default dimensions.
    assert doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == namespace
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [list(dimensions)]
    assert doc["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": name, "Unit": CONTRACT[name][0]}]
    assert {k: doc.get(k) for k in dimensions} == dimensions
    assert doc[name] == 7
    assert doc == expected


@pytest.mark.parametrize(
    ("namespace", "name", "dimensions"),
    [
        ("FiLot/Other", "filot.gpu.fallbacks", {"Reason": "x"}),  # unknown namespace
        (BACKEND, "filot.gpu.fallbacks", {"Reason": "x"}),  # not this service's metric
        (GPU, "filot.gpu.fallbacks", {}),  # dimension missing
        (SCHEDULER, "filot.queue_length", {"Queue": "GPU", "ServiceName": "x"}),  # extra dimension
        (BACKEND, "filot.unknown", {}),
    ],
)
def test_a_metric_outside_the_contract_is_dropped_not_raised(
    namespace: str,
    name: str,
    dimensions: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emit(namespace, name, 1, dimensions=dimensions)
    assert capsys.readouterr().out == ""
    assert "not in METRICS" in caplog.text


def test_emitting_never_raises(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr("sys.stdout", closed)
    emit(BACKEND, "filot.ocr.failures", 1)  # closed stdout
    monkeypatch.setattr("sys.stdout", None)
    emit(BACKEND, "filot.ocr.failures", 1)  # no stdout at all
    monkeypatch.undo()

    class BrokenSink:
        def accept(self, context: object) -> None:
            raise OSError("pipe gone")

    monkeypatch.setattr(metrics._LOCAL, "sink", BrokenSink())
    emit(BACKEND, "filot.ocr.failures", 1)
    monkeypatch.undo()
    emit(BACKEND, "filot.http.request_duration_ms", float("nan"))  # the library refuses it
    emit(BACKEND, "filot.http.request_duration_ms", "slow")  # type: ignore[arg-type]
    assert capsys.readouterr().out == ""
    emit(BACKEND, "filot.ocr.failures", 1)  # and the next one goes out as usual
    assert emf_documents(capsys.readouterr().out) == [expected_emf(BACKEND, "filot.ocr.failures", 1)]


@pytest.mark.parametrize(
    ("env", "chosen"),
    [
        ({}, "LocalEnvironment"),  # ECS on Fargate or EC2: stdout, shipped by the awslogs driver
        ({"AWS_LAMBDA_FUNCTION_NAME": "filot-scheduled"}, "LambdaEnvironment"),
        ({"AWS_EMF_ENVIRONMENT": "Local", "AWS_LAMBDA_FUNCTION_NAME": "f"}, "LocalEnvironment"),
        ({"AWS_EMF_ENVIRONMENT": "lambda"}, "LambdaEnvironment"),
    ],
)
def test_aws_emf_environment_selects_the_sink(env: dict[str, str], chosen: str) -> None:
    assert type(emf_environment(env)).__name__ == chosen


@pytest.mark.parametrize("value", ["EC2", "Agent", "Default"])
def test_agent_environments_fall_back_to_stdout(value: str, caplog: pytest.LogCaptureFixture) -> None:
    """A CloudWatch agent socket can stall a request while the agent is down: never chosen."""
    caplog.set_level(logging.WARNING, logger="filot.metrics")
    metrics._warned.discard(value)
    assert type(emf_environment({"AWS_EMF_ENVIRONMENT": value})).__name__ == "LocalEnvironment"
    assert f"AWS_EMF_ENVIRONMENT={value} is not supported" in caplog.text


def test_on_lambda_the_function_properties_come_along_but_no_dimensions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "filot-scheduled")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    emit(SCHEDULER, "filot.queue_length", 4, dimensions={"Queue": "CPU"})
    (doc,) = emf_documents(capsys.readouterr().out)
    expected = expected_emf(SCHEDULER, "filot.queue_length", 4, {"Queue": "CPU"})
    assert doc["_aws"] == expected["_aws"]
    assert (doc["Queue"], doc["filot.queue_length"]) == ("CPU", 4)
    assert doc["functionVersion"] == "$LATEST"  # a property: searchable in Logs Insights, not a dimension


def test_read_emf_returns_every_value_and_skips_other_lines() -> None:
    fallback = expected_emf(GPU, "filot.gpu.fallbacks", 1, {"Reason": "ocr_failed"})
    fallback["_aws"]["Timestamp"] = 5
    durations = expected_emf(BACKEND, "filot.http.request_duration_ms", [3, 4.5])  # type: ignore[arg-type]
    lines = [
        '{"time": "...", "level": "INFO", "event": "decided"}',  # a log line
        "not json at all",
        '{"_aws": "broken"}',
        json.dumps(fallback),
        json.dumps(durations),  # several values of one metric in one document
    ]
    assert read_emf(lines) == [
        MetricPoint(GPU, "filot.gpu.fallbacks", "Count", 1.0, {"Reason": "ocr_failed"}, 5),
        MetricPoint(BACKEND, "filot.http.request_duration_ms", "Milliseconds", 3.0, {}, None),
        MetricPoint(BACKEND, "filot.http.request_duration_ms", "Milliseconds", 4.5, {}, None),
    ]


def test_what_a_process_emits_is_in_its_prometheus_registry() -> None:
    def sample_value(name: str, labels: dict[str, str]) -> float:
        text = generate_latest(process_registry()).decode()
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == name and s.labels == labels:
                    return float(s.value)
        return 0.0

    before = sample_value("filot_gpu_fallbacks_total", {"reason": "gpu_oom"})
    emit(GPU, "filot.gpu.fallbacks", 1, dimensions={"Reason": "gpu_oom"})
    emit(GPU, "filot.gpu.fallbacks", 1, dimensions={"Reason": "gpu_oom"})
    assert sample_value("filot_gpu_fallbacks_total", {"reason": "gpu_oom"}) == before + 2
    emit(BACKEND, "filot.circuit_breaker.state", 2)
    assert sample_value("filot_circuit_breaker_state", {}) == 2
    emit(BACKEND, "filot.circuit_breaker.state", 0)
    assert sample_value("filot_circuit_breaker_state", {}) == 0


# ---- the real code paths -------------------------------------------------------------------------------


def points(out: str, name: str) -> list[MetricPoint]:
    return [p for p in read_emf(out.splitlines()) if p.name == name]


def test_gpu_worker_emits_jobs_in_flight_processing_and_decision_times_and_the_decision(
    parts: tuple[Components, Buli2Client], sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    components, _ = parts
    submit(components, sample(sample_dir, "clean").read_bytes())
    capsys.readouterr()
    assert worker("gpu", parts).process_one()
    out = capsys.readouterr().out
    assert emf_documents(out, "filot.gpu.active_jobs") == [
        expected_emf(GPU, "filot.gpu.active_jobs", 1), expected_emf(GPU, "filot.gpu.active_jobs", 0)
    ]
    assert emf_documents(out, "filot.documents.decided") == [
        expected_emf(GPU, "filot.documents.decided", 1, {"Decision": "approved"})
    ]
    (processing,) = emf_documents(out, "filot.gpu.processing_time_ms")
    (decision_time,) = emf_documents(out, "filot.document.decision_time_ms")
    # Durations vary: every field compared with the value taken as printed, then the values' range.
    assert processing == expected_emf(GPU, "filot.gpu.processing_time_ms", processing["filot.gpu.processing_time_ms"])
    assert decision_time == expected_emf(
        GPU, "filot.document.decision_time_ms", decision_time["filot.document.decision_time_ms"]
    )
    assert 0 < processing["filot.gpu.processing_time_ms"] <= decision_time["filot.document.decision_time_ms"] < 120_000
    assert points(out, "filot.ocr.failures") == [] and points(out, "filot.gpu.fallbacks") == []


def test_gpu_crash_emits_an_ocr_failure_and_a_fallback_then_the_cpu_worker_decides_as_backend(
    parts: tuple[Components, Buli2Client], sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    components, _ = parts
    submit(components, sample(sample_dir, "clean").read_bytes())
    capsys.readouterr()
    assert worker("gpu", parts, CrashingEngine()).process_one()
    out = capsys.readouterr().out
    assert emf_documents(out, "filot.ocr.failures") == [expected_emf(GPU, "filot.ocr.failures", 1)]
    assert emf_documents(out, "filot.gpu.fallbacks") == [
        expected_emf(GPU, "filot.gpu.fallbacks", 1, {"Reason": "ocr_failed"})
    ]
    assert points(out, "filot.documents.decided") == []

    assert worker("cpu", parts).process_one()
    out = capsys.readouterr().out
    assert emf_documents(out, "filot.documents.decided") == [
        expected_emf(BACKEND, "filot.documents.decided", 1, {"Decision": "approved"})
    ]
    (decision_time,) = points(out, "filot.document.decision_time_ms")
    assert decision_time.namespace == BACKEND and decision_time.value > 0
    # Only the GPU path has processing-time and in-flight metrics.
    assert points(out, "filot.gpu.processing_time_ms") == [] and points(out, "filot.gpu.active_jobs") == []


def test_buli2_client_emits_retries_and_breaker_transitions_in_its_namespace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = Buli2Client(
        base_url=f"http://127.0.0.1:{free_port()}", api_key="k", timeout_s=1, attempts=3, backoff_s=0.001,
        fail_max=2, namespace=GPU,
    )
    with pytest.raises(Buli2Error):
        client.escalate({"document_id": "a" * 32})
    client.close()
    out = capsys.readouterr().out
    # The first failure is retried; the second opens the breaker (fail_max 2), which ends the retrying.
    assert emf_documents(out) == [
        expected_emf(GPU, "filot.buli2.retry_count", 1),
        expected_emf(GPU, "filot.circuit_breaker.state", 2),
    ]


def test_reconciler_emits_one_point_per_kind_it_recovered(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    components = build_components(settings)
    components.store.create(
        doc_id="b" * 32, owner="u", doc_type="ktp", object_key="k", content_type="image/png",
        size_bytes=1, sha256="0" * 64, correlation_id="c",
    )
    stalled = components.settings.model_copy(update={"stale_after_s": 0.0, "recovery_grace_s": 0.0})
    components.settings = stalled
    assert components.store.transition("b" * 32, Status.QUEUED, actor="test")  # queued, but in no Redis list
    buli2 = build_buli2(stalled)
    try:
        report = Reconciler(components, buli2).run_once()
    finally:
        buli2.close()
    assert report.enqueued == 1
    assert emf_documents(capsys.readouterr().out) == [
        expected_emf(SCHEDULER, "filot.reconciler.recoveries", 1, {"Kind": "enqueued"})
    ]


@pytest.fixture
def api(settings: Settings, serve: Callable[[object], ServerThread]) -> Iterator[tuple[httpx.Client, Components]]:
    components = build_components(settings)
    with httpx.Client(base_url=serve(create_app(components=components)).url, timeout=30) as client:
        yield client, components


def test_api_times_every_request_once(api: tuple[httpx.Client, Components], capsys: pytest.CaptureFixture[str]) -> None:
    client, _ = api
    capsys.readouterr()
    assert client.get("/health").status_code == 200
    assert client.get("/v1/documents/" + "f" * 32, headers={"X-Dev-User": "alice"}).status_code == 404
    docs = emf_documents(capsys.readouterr().out)
    assert len(docs) == 2
    for doc in docs:
        assert doc == expected_emf(BACKEND, "filot.http.request_duration_ms", doc["filot.http.request_duration_ms"])
        assert 0 < doc["filot.http.request_duration_ms"] < 30_000


def test_a_human_decision_from_buli2_is_counted_once(
    api: tuple[httpx.Client, Components], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.services.api.helpers import callback, escalated_doc

    client, components = api
    doc = escalated_doc(components)
    capsys.readouterr()
    assert callback(client, {"document_id": doc, "decision": "rejected"}).status_code == 200
    assert callback(client, {"document_id": doc, "decision": "rejected"}).json()["duplicate"] is True
    assert emf_documents(capsys.readouterr().out, "filot.reviews.decided") == [
        expected_emf(BACKEND, "filot.reviews.decided", 1, {"Decision": "rejected"})
    ]
