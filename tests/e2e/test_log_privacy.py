"""No raw PII in any log line, and one correlation id from the upload to the callback.

The whole platform runs as `make run` runs it (a private redis-server, the API, a GPU-path and a CPU-path
worker, the reconciler and the local BULI2 as separate processes), every service logging at DEBUG in JSON.
The demo cards go through it with claims attached; then every line any process wrote (and anything logged
in this process) is searched for each card's ground truth and each claim. A positive control shows the
same search finds those values when they are there, so a masking failure cannot pass unnoticed.
"""

from __future__ import annotations

import json
import logging
import re
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from devtools.devservers import (
    Processes,
    free_port,
    local_environment,
    start_local_stack,
)
from devtools.samples.generate import load_truths
from devtools.samples.truth import SampleTruth
from services.adapters.database import DocumentStore
from services.platform.logs import mask_pii

pytestmark = pytest.mark.slow

SERVICES = ("api", "reviewer", "worker-gpu", "worker-cpu", "reconciler")
REQUIRED = ("time", "level", "service", "logger", "event", "correlationId", "docId")
FINAL = {"approved", "rejected", "failed"}
PII_FIELDS = ("nik", "npwp", "name", "birth_date", "address")
# Claims for cards that print no person (blank, random): someone else's name and NIK.
STRANGER = {"claimed_name": "SITI RAHAYU WULANDARI", "claimed_nik": "3171025708900002"}


def claims_for(truth: SampleTruth) -> dict[str, str]:
    """What a user would type next to the card: the printed name and NIK (a NIK only when it is 16 digits)."""
    if "name" not in truth.fields:
        return dict(STRANGER)
    claims = {"claimed_name": truth.fields["name"].title()}  # typed, not as printed
    if re.fullmatch(r"\d{16}", truth.fields.get("nik", "")):
        claims["claimed_nik"] = truth.fields["nik"]
    return claims


def pii_values(truths: list[SampleTruth], claims: list[dict[str, str]]) -> set[str]:
    values = {truth.fields[key] for truth in truths for key in PII_FIELDS if truth.fields.get(key)}
    values |= {re.sub(r"\D", "", truth.fields["npwp"]) for truth in truths if truth.fields.get("npwp")}
    values |= {value for claim in claims for value in claim.values()}
    return values


def find_pii(text: str, values: set[str]) -> dict[str, str]:
    """Each value found in `text` (any case, as a whole word), with the line it was found on."""
    found: dict[str, str] = {}
    for value in values:
        match = re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text, re.IGNORECASE)
        if match:
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            found[value] = text[start : len(text) if end < 0 else end][:300]
    return found


def run_platform(workdir: Path, samples: list[tuple[Path, SampleTruth]]) -> dict[str, Any]:
    """Start everything, upload every card with its claims, wait for every decision, stop everything."""
    ports = {name: free_port() for name in ("redis", "api", "reviewer")}
    env = {
        **local_environment(workdir, ports=ports, review_delay_s=0.5),
        "FILOT_LOG_LEVEL": "DEBUG",
        "FILOT_LOG_FORMAT": "json",
    }
    (workdir / "logs").mkdir(parents=True)
    DocumentStore(env["FILOT_DATABASE_URL"])  # schema first, as the demo does
    processes = Processes(workdir / "logs")
    uploads: dict[str, dict[str, Any]] = {}
    with ExitStack() as stack:
        stack.callback(processes.stop_all)
        start_local_stack(processes, env, redis_port=ports["redis"], redis_dir=workdir, reconcile_every_s=0.5)
        api_url = env["FILOT_API_URL"]
        with httpx.Client(base_url=api_url, headers={"X-Dev-User": "privacy-user"}, timeout=30) as client:
            for path, truth in samples:
                claims = claims_for(truth)
                correlation_id = f"e2e-{truth.name}"
                response = client.post(
                    "/v1/documents",
                    files={"file": (path.name, path.read_bytes(), "image/jpeg" if path.suffix == ".jpg" else "image/png")},
                    data={"type": truth.doc_type, **claims},
                    headers={"X-Correlation-Id": correlation_id},
                )
                assert response.status_code == 202, response.text
                assert response.headers["x-correlation-id"] == correlation_id
                uploads[response.json()["id"]] = {"truth": truth, "claims": claims, "correlation_id": correlation_id}

            engine = sa.create_engine(env["FILOT_DATABASE_URL"])
            deadline = time.monotonic() + 420
            statuses: dict[str, str] = {}
            while time.monotonic() < deadline:
                processes.check_alive()
                with engine.connect() as conn:
                    statuses = {row[0]: row[1] for row in conn.execute(sa.text("SELECT id, status FROM documents"))}
                if len(statuses) == len(uploads) and set(statuses.values()) <= FINAL:
                    break
                time.sleep(0.5)
            assert set(statuses.values()) <= FINAL, statuses
            for doc_id in uploads:  # the read route's lines are searched too (its outcome is tested elsewhere)
                try:
                    httpx.get(f"{api_url}/v1/documents/{doc_id}", headers={"X-Dev-User": "privacy-user"}, timeout=30)
                except httpx.HTTPError:
                    pass
            time.sleep(1.1)  # two more reconciler passes (every 0.5 s: re-publishes) in the logs
        with engine.connect() as conn:
            stored = {row[0]: row[1] for row in conn.execute(sa.text("SELECT id, correlation_id FROM documents"))}
            escalated = [
                row[0]
                for row in conn.execute(
                    sa.text("SELECT DISTINCT document_id FROM document_events WHERE to_status = 'escalated'")
                )
            ]
        engine.dispose()
    return {"uploads": uploads, "stored": stored, "escalated": escalated}


def read_lines(log_dir: Path) -> dict[str, list[str]]:
    return {path.stem: path.read_text(errors="replace").splitlines() for path in sorted(log_dir.glob("*.log"))}


def test_no_raw_pii_in_any_log_and_one_correlation_id_end_to_end(
    tmp_path: Path, sample_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    samples = load_truths(sample_dir)
    assert len(samples) == 13
    run = run_platform(tmp_path, samples)
    uploads: dict[str, dict[str, Any]] = run["uploads"]
    logs = read_lines(tmp_path / "logs")
    assert set(SERVICES) <= set(logs), sorted(logs)

    # The correlation id the client sent is the document's.
    assert {doc: u["correlation_id"] for doc, u in uploads.items()} == run["stored"]
    cid_of = run["stored"]

    # (a) Every line a service wrote is one JSON object; a log line about a document carries its id.
    records: dict[str, list[dict[str, Any]]] = {}
    for service in SERVICES:
        records[service] = []
        for number, line in enumerate(logs[service], 1):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                pytest.fail(f"{service}.log line {number} is not JSON: {line[:300]}")
            assert isinstance(obj, dict), (service, number, line[:300])
            if "logger" not in obj:
                continue  # a metric (EMF) or the reconciler's pass report on stdout
            assert all(key in obj for key in REQUIRED), (service, number, line[:300])
            records[service].append(obj)
            about = obj["docId"] or next((doc for doc in cid_of if doc in obj["event"]), None)
            if about in cid_of:
                assert obj["correlationId"] == cid_of[about], (service, number, line[:300])
    assert sum(len(lines) for lines in records.values()) > 100  # DEBUG on: plenty was written

    # (b) No ground-truth value and no claim anywhere: every file (redis-server's too) and this process.
    truths = [u["truth"] for u in uploads.values()]
    values = pii_values(truths, [u["claims"] for u in uploads.values()])
    assert len(values) > 40
    corpus = {f"{name}.log": "\n".join(lines) for name, lines in logs.items()}
    # Also the decoded text of each JSON line, in case an escape hides a value from the raw search.
    corpus |= {
        f"{service}.log (decoded)": "\n".join(json.dumps(obj, ensure_ascii=False) for obj in objs)
        for service, objs in records.items()
    }
    corpus["in-process log records"] = caplog.text
    leaks = {where: found for where, text in corpus.items() if (found := find_pii(text, values))}
    assert leaks == {}

    # (c) Positive control: the same search finds every value where it is not masked...
    unmasked = "\n".join(json.dumps({"event": f"escalating {value}"}) for value in sorted(values))
    assert set(find_pii(unmasked, values)) == values
    # ...and what masking can find by pattern (numbers, dates) it does mask.
    patterned = {value for value in values if re.fullmatch(r"[\d.\-]+", value)}
    assert patterned and find_pii(mask_pii(unmasked), patterned) == {}

    # (d) An escalated document's id on the API, worker, escalation, reviewer and callback lines.
    assert run["escalated"], "no document was escalated; the run cannot show the review leg"
    doc = run["escalated"][0]
    cid = cid_of[doc]
    mine = {service: [r for r in objs if r["correlationId"] == cid] for service, objs in records.items()}

    def has(service: str, prefix: str) -> bool:
        return any(str(r["event"]).startswith(prefix) for r in mine[service])

    assert has("api", "request POST /v1/documents 202") and has("api", "document uploaded")
    workers = mine["worker-gpu"] + mine["worker-cpu"]
    decided = [r for r in workers if str(r["event"]).startswith("decided doc=")]
    assert decided and decided[0]["docId"] == doc and decided[0]["durationMs"] > 0
    assert any(str(r["event"]).startswith("escalated doc=") for r in workers + mine["reconciler"])
    assert has("reviewer", "escalation received") and has("reviewer", "callback delivered")
    assert has("api", "request POST /v1/review/callback 200") and has("api", "review decision doc=")
