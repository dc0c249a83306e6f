"""Retention: what the platform keeps, and for how long (UU PDP: processing stops and data is deleted once the
retention period ends or the purpose is met).

Counted from a document's final decision (approved, rejected, failed): after FILOT_IMAGE_RETENTION_DAYS its
original image is deleted from storage, after FILOT_PII_RETENTION_DAYS its PII (extracted fields, claims, the
appeal note, the NIK hash, the reasons' details) is erased from the database. A document under review, or waiting
for one, keeps everything until the review ends. Kept for good: the decision, score, reason codes and the audit
trail, none of which holds PII. Run by the scheduled function each minute, a bounded batch per run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from services.platform.errors import FilotError
from services.platform.metrics import KIND, RETENTION_ERASED, SCHEDULER_NAMESPACE, emit

if TYPE_CHECKING:
    from services.wiring import Components

log = logging.getLogger("filot.retention")
ACTOR = "retention"
BATCH = 200


@dataclass
class RetentionReport:
    images_deleted: int = 0
    pii_erased: int = 0
    image_failures: int = 0

    def to_json(self) -> dict[str, int]:
        return {"images_deleted": self.images_deleted, "pii_erased": self.pii_erased, "image_failures": self.image_failures}


def apply_retention(components: Components, *, now: datetime, batch: int = BATCH) -> RetentionReport:
    """One pass; ``now`` comes from the caller, so a test controls the clock."""
    settings, store = components.settings, components.store
    report = RetentionReport()
    image_cutoff = now - timedelta(days=settings.image_retention_days)
    for record in store.images_due(decided_before=image_cutoff, limit=batch):
        try:
            components.objects.delete(record.object_key)
        except FilotError as exc:  # the next pass tries again; counted, and named in the log
            report.image_failures += 1
            log.warning("image not deleted doc=%s code=%s; next pass retries", record.id, exc.code)
            continue
        store.mark_image_deleted(
            record.id, actor=ACTOR, detail=f"original image deleted ({settings.image_retention_days} days)"
        )
        report.images_deleted += 1
    pii_cutoff = now - timedelta(days=settings.pii_retention_days)
    for record in store.pii_due(decided_before=pii_cutoff, limit=batch):
        store.erase_pii(record.id, actor=ACTOR, detail=f"personal data erased ({settings.pii_retention_days} days)")
        report.pii_erased += 1
    for kind, count in (("image", report.images_deleted), ("pii", report.pii_erased)):
        if count:
            emit(SCHEDULER_NAMESPACE, RETENTION_ERASED, count, dimensions={KIND: kind})
    if report.images_deleted or report.pii_erased or report.image_failures:
        log.info("retention %s", report.to_json())
    return report
