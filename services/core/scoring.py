"""The 0-100 score as weighted components, each a Reason a reviewer or the rejected person can read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.core.fields import GENDERS, MARITAL_STATUSES, RELIGIONS, REQUIRED_FIELDS, parse_card_date
from services.core.model import CardEvidence, Claims, Decision, DocType, ExtractedField, ImageQuality, Reason, Verdict
from services.core.names import name_similarity
from services.core.nik import check_nik_against_card, parse_nik
from services.core.npwp import npwp_problems
from services.core.provinces import PROVINCES, match_province


@dataclass(frozen=True)
class ScoreWeights:
    """Points per component; they add up to 100 so a score reads as a percentage."""

    fields_present: float = 30.0
    ocr_confidence: float = 20.0
    format_valid: float = 35.0
    image_quality: float = 15.0
    claim_mismatch_penalty: float = 15.0
    # A NIK issued in another province than the card's header: people keep their NIK when they move, so this
    # costs points but does not block approval (services/core/provinces.py).
    province_mismatch_penalty: float = 5.0


@dataclass(frozen=True)
class QualityTargets:
    """Measurements at or past which a photo earns the full quality points."""

    sharpness: float = 100.0
    min_brightness: float = 60.0
    max_brightness: float = 245.0  # white NPWP cards are legitimately bright
    contrast: float = 30.0
    claim_name_similarity: float = 0.85


DEFAULT_WEIGHTS = ScoreWeights()
# Capture problems are reasons too (no points: they explain, and tell the app what to ask of the user).
CAPTURE_ADVICE = {
    "card_not_found": "no card in the photo: put it on a plain surface and fill most of the frame with it",
    "card_too_small": "the card is small in the photo: move closer",
    "cut_off": "part of the card is outside the photo: keep all four corners in the frame",
    "glare_on_fields": "a reflection covers the text: tilt the card or move away from the lamp",
    "too_blurry": "the photo is blurred: hold still and let the camera focus",
    "too_dark": "the photo is too dark: find more light",
}
DEFAULT_TARGETS = QualityTargets()


def score_document(
    doc_type: DocType,
    fields: Mapping[str, ExtractedField],
    quality: ImageQuality,
    *,
    claims: Claims | None = None,
    today: date,
    weights: ScoreWeights = DEFAULT_WEIGHTS,
    targets: QualityTargets = DEFAULT_TARGETS,
    evidence: CardEvidence | None = None,
) -> tuple[float, tuple[Reason, ...]]:
    """Score and the reasons behind every point; `today` is passed in so the core stays pure."""
    required = REQUIRED_FIELDS[doc_type]
    found = [name for name in required if name in fields]
    missing = [name for name in required if name not in fields]
    reasons: list[Reason] = [
        Reason(
            "fields_present",
            weights.fields_present * len(found) / len(required),
            weights.fields_present,
            f"{len(found)}/{len(required)} required fields" + (f"; missing {', '.join(missing)}" if missing else ""),
        ),
        _confidence_reason(required, fields, weights.ocr_confidence),
    ]
    if doc_type is DocType.KTP:
        reasons.extend(_ktp_format_reasons(fields, weights, today))
        reasons.extend(_evidence_reasons(fields, evidence or CardEvidence(), weights))
    else:
        reasons.extend(_npwp_format_reasons(fields, weights.format_valid))
    reasons.append(_quality_reason(quality, weights.image_quality, targets))
    if evidence is not None:
        # Glare over the text is read as letters or as nothing: a person looks before anything is approved.
        reasons.extend(
            Reason(code, 0.0, 0.0, CAPTURE_ADVICE.get(code, ""), blocking=code == "glare_on_fields")
            for code in evidence.capture
        )
    reasons.extend(_claim_reasons(fields, claims, weights.claim_mismatch_penalty, targets))
    total = round(min(100.0, max(0.0, sum(reason.points for reason in reasons))), 1)
    return total, tuple(reasons)


def decide(
    score: float,
    reasons: tuple[Reason, ...],
    *,
    approve_at: float,
    reject_below: float,
    card_found: bool = False,
    card_missing: bool = False,
) -> Verdict:
    """Thresholds decide, except that a blocking reason sends an approvable score to a human, a card that was
    found but read poorly goes to a human rather than to an automatic rejection (bad light is not fraud), and a
    photo with no card in it is rejected whatever its text scored."""
    if card_missing:
        decision = Decision.REJECTED
    elif score < reject_below and card_found:
        decision = Decision.NEEDS_REVIEW
        reasons = (*reasons, Reason("card_read_poorly", 0.0, 0.0, "a card was found but read poorly: a person decides"))
    elif score < reject_below:
        decision = Decision.REJECTED
    elif score >= approve_at and not any(reason.blocking for reason in reasons):
        decision = Decision.APPROVED
    else:
        decision = Decision.NEEDS_REVIEW
    return Verdict(score=score, decision=decision, reasons=reasons)


def _confidence_reason(required: tuple[str, ...], fields: Mapping[str, ExtractedField], weight: float) -> Reason:
    confidences = [fields[name].confidence if name in fields else 0.0 for name in required]
    mean = sum(confidences) / len(confidences)
    return Reason("ocr_confidence", weight * max(0.0, min(mean, 100.0)) / 100.0, weight, f"mean {mean:.0f}/100")


def _ktp_format_reasons(fields: Mapping[str, ExtractedField], weights: ScoreWeights, today: date) -> list[Reason]:
    """The NIK's own rules, then each thing it says about the holder checked against the card: an agreement earns
    its points, a contradiction blocks approval, what could not be compared (a field not read) earns nothing."""
    weight = weights.format_valid
    nik_share, date_share, vocab_share = weight * 5 / 7, weight * 1 / 7, weight * 1 / 7
    structure_share, agreement_share = nik_share * 3 / 5, nik_share / 5
    birth_date = parse_card_date(fields["birth_date"].value) if "birth_date" in fields else None
    gender = fields["gender"].value if "gender" in fields else None
    nik = fields["nik"].value if "nik" in fields else None
    facts = parse_nik(nik)
    reasons = [
        Reason("nik_valid", structure_share, structure_share, "16 digits, known province, a real birth date")
        if facts.valid
        else Reason("nik_invalid", 0.0, structure_share, ", ".join(facts.problems), blocking=True)
    ]
    problems = check_nik_against_card(nik, birth_date=birth_date, gender=gender) if facts.valid else ()
    for subject, printed, mismatch in (
        ("birth_date", birth_date, "nik_birth_date_mismatch"),
        ("gender", gender, "nik_gender_mismatch"),
    ):
        if not facts.valid or printed is None:
            reasons.append(Reason(f"nik_{subject}_unchecked", 0.0, agreement_share, f"no {subject} to compare"))
        elif mismatch in problems:
            reasons.append(
                Reason(
                    f"nik_{subject}_contradicts", 0.0, agreement_share, f"the NIK's {subject} differs", blocking=True
                )
            )
        else:
            reasons.append(Reason(f"nik_{subject}_agrees", agreement_share, agreement_share))
    if birth_date is None:
        reasons.append(Reason("birth_date_unreadable", 0.0, date_share))
    else:
        age = (today - birth_date).days / 365.25
        ok = 17 <= age <= 120  # a KTP is issued from 17
        reasons.append(
            Reason("birth_date_plausible" if ok else "birth_date_implausible", date_share if ok else 0.0, date_share)
        )
    vocab = {"gender": GENDERS, "religion": RELIGIONS, "marital_status": MARITAL_STATUSES}
    recognised = [name for name, allowed in vocab.items() if name in fields and fields[name].value in allowed]
    reasons.append(
        Reason(
            "coded_fields_recognised",
            vocab_share * len(recognised) / len(vocab),
            vocab_share,
            f"{len(recognised)}/{len(vocab)} of gender, religion, marital status",
        )
    )
    return reasons


def _evidence_reasons(
    fields: Mapping[str, ExtractedField], evidence: CardEvidence, weights: ScoreWeights
) -> list[Reason]:
    """The NIK's province against the card's header, its typeface, and digits the card had to decide."""
    reasons: list[Reason] = []
    facts = parse_nik(fields["nik"].value if "nik" in fields else None)
    printed = match_province(fields["province"].value) if "province" in fields else None
    if facts.valid and printed is not None:
        issued = PROVINCES.get(facts.province or "", "")
        if printed == facts.province:
            reasons.append(Reason("nik_province_agrees", 0.0, 0.0, issued))
        else:
            detail = f"NIK issued in {issued or facts.province}, card from {PROVINCES[printed]} (a holder who moved keeps the NIK)"
            reasons.append(Reason("nik_province_differs", -weights.province_mismatch_penalty, 0.0, detail))
    if evidence.nik_font_matches is not None:
        fit = f"worst digit fits OCR-A at {evidence.nik_font_fit:.2f}" if evidence.nik_font_fit is not None else ""
        if evidence.nik_font_matches:
            reasons.append(Reason("nik_font_ocr_a", 0.0, 0.0, fit))
        else:
            reasons.append(
                Reason("nik_font_mismatch", 0.0, 0.0, f"the NIK is not printed in OCR-A: {fit}", blocking=True)
            )
    if evidence.nik_resolved_digits:
        detail = f"{evidence.nik_resolved_digits} NIK digit(s) the image left open, decided by the printed birth date and gender"
        reasons.append(Reason("nik_digits_decided_by_card", 0.0, 0.0, detail))
    return reasons


def _npwp_format_reasons(fields: Mapping[str, ExtractedField], weight: float) -> list[Reason]:
    number_share, nik_share = weight * 5 / 7, weight * 2 / 7
    number = fields["npwp"].value if "npwp" in fields else ""
    card_nik = fields["nik"].value if "nik" in fields else None
    # 15 digits (the classic format, check digit included) or 16 (a resident individual's NPWP is the NIK).
    problems = npwp_problems(number, card_nik=card_nik) if number else ("npwp_missing",)
    if not problems:
        reasons = [Reason("npwp_valid", number_share, number_share, f"{len(number)}-digit NPWP")]
    else:
        reasons = [Reason("npwp_invalid", 0.0, number_share, ", ".join(problems), blocking=bool(number))]
    if card_nik is None:
        reasons.append(Reason("npwp_nik_absent", nik_share / 2, nik_share, "older NPWP cards carry no NIK"))
    else:
        nik_problems = parse_nik(card_nik).problems
        reasons.append(
            Reason("nik_valid", nik_share, nik_share)
            if not nik_problems
            else Reason("nik_invalid", 0.0, nik_share, ", ".join(nik_problems), blocking=True)
        )
    return reasons


def _quality_reason(quality: ImageQuality, weight: float, targets: QualityTargets) -> Reason:
    sharp = min(1.0, quality.sharpness / targets.sharpness)
    lit = 1.0 if targets.min_brightness <= quality.brightness <= targets.max_brightness else 0.0
    contrast = min(1.0, quality.contrast / targets.contrast)
    share = 0.4 * sharp + 0.3 * lit + 0.3 * contrast
    detail = f"sharpness {quality.sharpness:.0f}, brightness {quality.brightness:.0f}, contrast {quality.contrast:.0f}"
    return Reason("image_quality", weight * share, weight, detail)


def _claim_reasons(
    fields: Mapping[str, ExtractedField], claims: Claims | None, penalty: float, targets: QualityTargets
) -> list[Reason]:
    if claims is None:
        return []
    reasons: list[Reason] = []
    if claims.nik:
        card_nik = fields["nik"].value if "nik" in fields else None
        if card_nik == claims.nik:
            reasons.append(Reason("claim_nik_match", 0.0, 0.0))
        else:
            reasons.append(Reason("claim_nik_mismatch", -penalty, 0.0, "claimed NIK differs from card", blocking=True))
    if claims.name:
        card_name = fields["name"].value if "name" in fields else ""
        similarity = name_similarity(claims.name, card_name)
        if similarity >= targets.claim_name_similarity:
            reasons.append(Reason("claim_name_match", 0.0, 0.0, f"similarity {similarity:.2f}"))
        else:
            reasons.append(Reason("claim_name_mismatch", -penalty, 0.0, f"similarity {similarity:.2f}", blocking=True))
    return reasons
