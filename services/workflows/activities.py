"""The workflow's activities: OCR, scoring, recording the decision, escalating. Each is idempotent per
document (conditional writes), because Temporal retries an activity whose worker died."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from temporalio import activity

from services.adapters.buli2 import Buli2Client
from services.adapters.ocr import OcrEngine
from services.application.effects import escalate, publish_final
from services.application.identity import check_identity
from services.core.lifecycle import Status
from services.core.model import CardEvidence, Claims, DocType, ExtractedField, ImageQuality
from services.pipeline.preprocess import decode_image
from services.pipeline.verify import judge, read_photo
from services.platform.errors import DocumentError
from services.wiring import Components, thresholds


@dataclass
class OcrResult:
    """What the OCR activity read: fields as {name: {"value", "confidence"}} and the reader's evidence (a
    services.core.model.CardEvidence as a dict), so the score activity weighs what the queue workers weigh."""

    doc_id: str
    doc_type: str
    fields: dict[str, dict[str, Any]]
    quality: dict[str, Any]
    evidence: dict[str, Any] = field(default_factory=dict)
    claimed_name: str | None = None
    claimed_nik: str | None = None
    error: str | None = None


@dataclass
class Verdict:
    doc_id: str
    decision: str  # approved | rejected | needs_review | failed
    score: float | None = None
    reasons: list[dict[str, Any]] | None = None
    fields: dict[str, str] | None = None
    error: str | None = None
    nik_hash: str | None = None


@dataclass
class HumanDecision:
    decision: str  # approved | rejected
    reviewer: str = "buli2"


class Activities:
    def __init__(self, components: Components, engine: OcrEngine, buli2: Buli2Client) -> None:
        self.c = components
        self.engine = engine
        self.buli2 = buli2

    @activity.defn(name="ocr")
    def ocr(self, doc_id: str) -> OcrResult:
        record = self.c.store.get(doc_id)
        if record is None:
            return OcrResult(doc_id=doc_id, doc_type="ktp", fields={}, quality={}, error="document_not_found")
        self.c.store.transition(doc_id, Status.PROCESSING, actor="workflow", correlation_id=record.correlation_id)
        try:
            image = decode_image(self.c.objects.get(record.object_key), max_pixels=self.c.settings.max_image_pixels)
        except DocumentError as exc:
            return OcrResult(doc_id=doc_id, doc_type=record.doc_type, fields={}, quality={}, error=exc.code)
        reading, quality, _, _ = read_photo(
            image, doc_type=DocType(record.doc_type), engine=self.engine, card_width=self.c.settings.card_width_px
        )
        return OcrResult(
            doc_id=doc_id,
            doc_type=reading.doc_type.value,
            fields={name: asdict(found) for name, found in reading.fields.items()},
            quality=asdict(quality),
            evidence=asdict(reading.evidence),
            claimed_name=record.claimed_name,
            claimed_nik=record.claimed_nik,
        )

    @activity.defn(name="score")
    def score(self, read: OcrResult) -> Verdict:
        if read.error:
            return Verdict(doc_id=read.doc_id, decision="failed", error=read.error)
        doc_type = DocType(read.doc_type)
        fields = {name: ExtractedField(**found) for name, found in read.fields.items()}
        evidence = CardEvidence(**read.evidence)
        verdict = judge(
            doc_type,
            fields,
            ImageQuality(**read.quality),
            evidence=evidence,
            claims=Claims(name=read.claimed_name, nik=read.claimed_nik),
            today=date.today(),
            thresholds=thresholds(self.c.settings),
        )
        values = {name: found.value for name, found in fields.items()}
        record = self.c.store.get(read.doc_id)
        identity = (
            check_identity(
                self.c, record, doc_type=doc_type, fields=values, decision=verdict.decision, reasons=verdict.reasons
            )
            if record is not None
            else None
        )
        return Verdict(
            doc_id=read.doc_id,
            decision=(identity.decision if identity else verdict.decision).value,
            score=verdict.score,
            reasons=[reason.to_json() for reason in (identity.reasons if identity else verdict.reasons)],
            fields=values,
            nik_hash=identity.nik_hash if identity else None,
        )

    @activity.defn(name="record")
    def record(self, verdict: Verdict) -> str:
        """Write the automatic decision (scored, then approved/rejected/needs_review) or the failure."""
        store, doc_id = self.c.store, verdict.doc_id
        if verdict.decision == "failed":
            store.transition(doc_id, Status.FAILED, actor="workflow", error_code=verdict.error, error=verdict.error)
        else:
            store.transition(
                doc_id,
                Status.SCORED,
                actor="workflow",
                score=verdict.score,
                reasons=verdict.reasons,
                fields=verdict.fields,
                nik_hash=verdict.nik_hash,
            )
            store.transition(doc_id, Status(verdict.decision), actor="workflow", decision=verdict.decision)
        current = store.get(doc_id)
        if current is not None:
            publish_final(self.c, current)
            return current.status.value
        return "missing"

    @activity.defn(name="escalate")
    def escalate(self, doc_id: str) -> bool:
        record = self.c.store.get(doc_id)
        if record is None or record.status is not Status.NEEDS_REVIEW:
            return record is not None and record.status is Status.ESCALATED
        return escalate(self.c, self.buli2, record, actor="workflow")

    @activity.defn(name="apply_human_decision")
    def apply_human_decision(self, doc_id: str, decision: HumanDecision) -> str:
        store = self.c.store
        record = store.get(doc_id)
        if record is None:
            return "missing"
        if record.status is Status.NEEDS_REVIEW:
            store.transition(doc_id, Status.ESCALATED, actor=f"buli2:{decision.reviewer}")
        store.transition(doc_id, Status(decision.decision), actor=f"buli2:{decision.reviewer}", decision=decision.decision)
        current = store.get(doc_id)
        if current is not None:
            publish_final(self.c, current)
            return current.status.value
        return "missing"
