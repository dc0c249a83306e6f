"""The document store: conditional transitions with an audit trail, safe under concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from services.adapters.database import DocumentStore
from services.core.lifecycle import Status


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(f"sqlite:///{tmp_path / 'db' / 'filot.db'}")


def new_doc(store: DocumentStore, doc_id: str = "a" * 32) -> str:
    store.create(
        doc_id=doc_id,
        owner="alice",
        doc_type="ktp",
        object_key=f"documents/{doc_id}/original.png",
        content_type="image/png",
        size_bytes=10,
        sha256="0" * 64,
        correlation_id="cid",
        claimed_name="Alice",
    )
    return doc_id


def test_create_and_read_back(store: DocumentStore) -> None:
    record = store.get(new_doc(store))
    assert record is not None
    assert record.status is Status.UPLOADED and record.owner == "alice" and record.claimed_name == "Alice"
    assert record.created_at.tzinfo is not None
    assert store.get("b" * 32) is None


def test_transitions_follow_the_lifecycle_and_are_audited(store: DocumentStore) -> None:
    doc = new_doc(store)
    assert store.transition(doc, Status.QUEUED, actor="api")
    assert store.transition(doc, Status.PROCESSING, actor="worker:gpu", path="gpu")
    assert store.transition(
        doc, Status.SCORED, actor="worker:gpu", score=91.5, reasons=[{"code": "x"}], fields={"nik": "1"}
    )
    assert store.transition(doc, Status.APPROVED, actor="worker:gpu", decision="approved")
    record = store.get(doc)
    assert record is not None
    assert (record.status, record.score, record.decision, record.path) == (Status.APPROVED, 91.5, "approved", "gpu")
    assert record.reasons == [{"code": "x"}] and record.fields == {"nik": "1"}
    assert record.decided_at is not None
    steps = [(e["from_status"], e["to_status"], e["actor"]) for e in store.history(doc)]
    assert steps == [
        (None, "uploaded", "user:alice"),
        ("uploaded", "queued", "api"),
        ("queued", "processing", "worker:gpu"),
        ("processing", "scored", "worker:gpu"),
        ("scored", "approved", "worker:gpu"),
    ]


def test_disallowed_transition_writes_nothing(store: DocumentStore) -> None:
    doc = new_doc(store)
    assert not store.transition(doc, Status.APPROVED, actor="worker:gpu", decision="approved")
    record = store.get(doc)
    assert record is not None and record.status is Status.UPLOADED and record.decision is None
    assert len(store.history(doc)) == 1
    assert not store.transition("f" * 32, Status.QUEUED, actor="api")  # unknown document


def test_only_one_of_many_concurrent_workers_starts_a_document(store: DocumentStore) -> None:
    doc = new_doc(store)
    store.transition(doc, Status.QUEUED, actor="api")
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        results.append(store.transition(doc, Status.PROCESSING, actor="worker"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert [e["to_status"] for e in store.history(doc)].count("processing") == 1
