"""Retention with a clock the test controls: past FILOT_IMAGE_RETENTION_DAYS a decided document's image is gone
from storage, past FILOT_PII_RETENTION_DAYS its personal data and NIK hash; a document under review keeps both;
the decision and a PII-free audit trail stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.adapters.buli2 import Buli2Client
from services.application.retention import apply_retention
from services.core.lifecycle import Status
from services.platform.errors import FilotError
from services.platform.metrics import read_emf
from services.wiring import Components
from tests.services.worker_helpers import sample, submit, worker


def test_images_then_personal_data_go_when_their_periods_end(
    parts: tuple[Components, Buli2Client], sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    components, _ = parts
    settings = components.settings
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", parts).process_one()
    decided = components.store.get(doc)
    assert decided is not None and decided.status is Status.APPROVED and decided.fields and decided.nik_hash
    decided_at = decided.decided_at
    assert decided_at is not None

    # A day before the image's period ends: nothing happens.
    early = apply_retention(components, now=decided_at + timedelta(days=settings.image_retention_days - 1))
    assert (early.images_deleted, early.pii_erased) == (0, 0)
    assert components.objects.get(decided.object_key)

    after_images = apply_retention(components, now=decided_at + timedelta(days=settings.image_retention_days, hours=1))
    assert (after_images.images_deleted, after_images.pii_erased) == (1, 0)
    with pytest.raises(FilotError) as gone:
        components.objects.get(decided.object_key)
    assert gone.value.code == "object_not_found"
    kept = components.store.get(doc)
    assert kept is not None and kept.image_deleted_at is not None and kept.fields == decided.fields

    after_pii = apply_retention(components, now=decided_at + timedelta(days=settings.pii_retention_days, hours=1))
    assert (after_pii.images_deleted, after_pii.pii_erased) == (0, 1)
    erased = components.store.get(doc)
    assert erased is not None
    assert (erased.fields, erased.claimed_name, erased.claimed_nik, erased.nik_hash) == (None, None, None, None)
    assert erased.pii_erased_at is not None
    # The decision and the reasons' codes stay; their details (which can quote a field) do not.
    assert (erased.status, erased.decision, erased.score) == (Status.APPROVED, "approved", decided.score)
    assert [r["code"] for r in erased.reasons or []] == [r["code"] for r in decided.reasons or []]
    assert all(r["detail"] == "" for r in erased.reasons or [])
    details = [event["detail"] or "" for event in components.store.history(doc)]
    assert any("original image deleted" in d for d in details) and any("personal data erased" in d for d in details)
    assert decided.fields and not any(value in detail for value in decided.fields.values() for detail in details)

    # A later pass finds nothing more to do; what was done was counted.
    assert apply_retention(components, now=datetime.now(UTC) + timedelta(days=4000)).to_json() == {
        "images_deleted": 0,
        "pii_erased": 0,
        "image_failures": 0,
    }
    emitted = [m for m in read_emf(capsys.readouterr().out.splitlines()) if m.name == "filot.retention.erased"]
    assert sorted((m.dimensions["Kind"], m.value) for m in emitted) == [("image", 1), ("pii", 1)]


def test_a_document_under_review_keeps_its_image_and_data(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    # Stop short of a decision: escalated documents wait for a person as long as it takes.
    assert components.store.transition(doc, Status.PROCESSING, actor="test")
    assert components.store.transition(doc, Status.SCORED, actor="test", score=60.0, fields={"name": "X"})
    assert components.store.transition(doc, Status.NEEDS_REVIEW, actor="test")
    report = apply_retention(components, now=datetime.now(UTC) + timedelta(days=4000))
    assert (report.images_deleted, report.pii_erased) == (0, 0)
    assert components.store.get(doc).fields == {"name": "X"}  # type: ignore[union-attr]
