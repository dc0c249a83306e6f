"""The owner's rights against the real API, worker, Redis and storage: a copy of everything held about them, and
erasure of a document (also while a worker reads it, or while it waits in a queue) or of all of them, idempotent,
leaving a PII-free tombstone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.adapters.buli2 import Buli2Client
from services.application.retention import apply_retention
from services.core.lifecycle import Status
from services.platform.errors import FilotError
from services.wiring import Components
from tests.services.worker_helpers import GatedEngine, sample, submit, worker


def _api(components: Components, method: str, path: str, user: str = "alice") -> httpx.Response:
    return httpx.request(method, f"{components.settings.api_url}{path}", headers={"X-Dev-User": user}, timeout=30)


def _queues_empty(components: Components) -> bool:
    return all(length == 0 for length in components.queue.lengths().values())


def test_an_erased_document_leaves_a_tombstone_and_erasing_again_changes_nothing(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", parts).process_one()
    before = components.store.get(doc)
    assert before is not None and before.fields and before.nik_hash

    assert _api(components, "DELETE", f"/v1/documents/{doc}", user="mallory").status_code == 404
    assert _api(components, "DELETE", f"/v1/documents/{doc}").status_code == 204
    assert _api(components, "GET", f"/v1/documents/{doc}").status_code == 404  # gone for its owner
    after = components.store.get(doc)
    assert after is not None and after.erased_at is not None
    assert (after.fields, after.claimed_name, after.nik_hash) == (None, None, None)
    assert (after.status, after.decision) == (Status.APPROVED, "approved")  # the tombstone: decision, no PII
    with pytest.raises(FilotError):
        components.objects.get(before.object_key)
    # A service still sees the tombstone and its audit trail.
    tombstone = httpx.get(
        f"{components.settings.api_url}/v1/documents/{doc}", headers={"X-Service-Key": components.settings.service_key}
    )
    assert tombstone.status_code == 200 and tombstone.json()["fields"] == {}
    assert [e["detail"] for e in tombstone.json()["history"]][-1] == "erased by its owner"
    assert before.fields["nik"] not in tombstone.text

    # Retention finds nothing left to delete in a tombstone.
    assert after.image_deleted_at is not None
    later = apply_retention(components, now=datetime.now(UTC) + timedelta(days=4000))
    assert (later.images_deleted, later.pii_erased) == (0, 0)

    events = len(components.store.history(doc))
    assert _api(components, "DELETE", f"/v1/documents/{doc}").status_code == 204  # idempotent
    assert len(components.store.history(doc)) == events


def test_erased_while_a_worker_reads_it_the_result_is_dropped_and_no_queue_keeps_it(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    gate = threading.Event()
    engine = GatedEngine(gate)
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    reader = threading.Thread(target=lambda: worker("gpu", parts, engine=engine).process_one())
    reader.start()
    assert engine.entered.wait(30)
    assert components.store.get(doc).status is Status.PROCESSING  # type: ignore[union-attr]
    assert _api(components, "DELETE", f"/v1/documents/{doc}").status_code == 204
    gate.set()
    reader.join(60)
    record = components.store.get(doc)
    assert record is not None and record.erased_at is not None
    assert record.fields is None and record.score is None  # the late result wrote nothing
    assert "scored" not in [event["to_status"] for event in components.store.history(doc)]
    assert _queues_empty(components)


def test_erased_while_waiting_in_the_queue_it_is_never_read(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    assert components.queue.lengths()["gpu"] == 1
    assert _api(components, "DELETE", f"/v1/documents/{doc}").status_code == 204
    assert _queues_empty(components)
    assert worker("gpu", parts).process_one() is False  # nothing left to claim


def test_the_owner_exports_everything_then_erases_it_all(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    ktp = submit(components, sample(sample_dir, "clean").read_bytes(), owner="erin")
    worker("gpu", parts).process_one()
    npwp = submit(components, sample(sample_dir, "clean", doc_type="npwp").read_bytes(), "npwp", owner="erin")
    other = submit(components, sample(sample_dir, "clean").read_bytes(), owner="frank")

    export = _api(components, "GET", "/v1/me/export", user="erin")
    assert export.status_code == 200
    body = export.json()
    assert body["owner"] == "erin" and body["retention"]["images_days"] == components.settings.image_retention_days
    by_id = {document["id"]: document for document in body["documents"]}
    assert set(by_id) == {ktp, npwp}  # never another owner's
    assert by_id[ktp]["fields"]["nik"] and by_id[ktp]["history"][0]["status"] == "uploaded"
    # A signed link on FILOT_API_URL (the fixture's API was started before it knew its own address: same path).
    link = httpx.URL(by_id[ktp]["image_url"])
    image = httpx.get(f"{components.settings.api_url}{link.raw_path.decode()}", timeout=30)
    assert image.status_code == 200 and image.content == sample(sample_dir, "clean").read_bytes()

    erased = _api(components, "DELETE", "/v1/me", user="erin")
    assert (erased.status_code, erased.json()) == (200, {"erased": 2})
    assert _api(components, "GET", "/v1/me/export", user="erin").json()["documents"] == []
    assert _api(components, "GET", "/v1/documents", user="erin").json()["documents"] == []
    assert _api(components, "DELETE", "/v1/me", user="erin").json() == {"erased": 0}
    assert components.store.get(other).erased_at is None  # type: ignore[union-attr]
