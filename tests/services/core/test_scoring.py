"""The score and the decision: explainable, thresholds from settings, never auto-approving a bad card."""

from __future__ import annotations

from datetime import date

import pytest

from services.core.model import CardEvidence, Claims, Decision, DocType, ExtractedField, ImageQuality, Reason
from services.core.scoring import decide, score_document

TODAY = date(2026, 11, 29)
GOOD_PHOTO = ImageQuality(sharpness=900, brightness=190, contrast=50, width=1000, height=630)
DARK_BLURRY = ImageQuality(sharpness=5, brightness=20, contrast=3, width=1000, height=630)


def ktp(**overrides: str | None) -> dict[str, ExtractedField]:
    values: dict[str, str | None] = {
        "nik": "3171025708900001",
        "name": "SITI AMINAH",
        "birth_place": "JAKARTA",
        "birth_date": "17-08-1990",
        "gender": "PEREMPUAN",
        "address": "JL. MERDEKA NO. 10",
        "religion": "ISLAM",
        "marital_status": "KAWIN",
        "occupation": "KARYAWAN SWASTA",
        "nationality": "WNI",
        **overrides,
    }
    return {name: ExtractedField(value, 92.0) for name, value in values.items() if value is not None}


def verdict(fields: dict[str, ExtractedField], quality: ImageQuality = GOOD_PHOTO, **kwargs: object) -> Decision:
    score, reasons = score_document(DocType.KTP, fields, quality, today=TODAY, **kwargs)  # type: ignore[arg-type]
    return decide(score, reasons, approve_at=85, reject_below=35).decision


def test_clean_consistent_card_is_approved_with_reasons_that_add_up() -> None:
    score, reasons = score_document(DocType.KTP, ktp(), GOOD_PHOTO, today=TODAY)
    assert score >= 85
    assert score == pytest.approx(sum(reason.points for reason in reasons), abs=0.1)
    assert {r.code for r in reasons} >= {"fields_present", "ocr_confidence", "nik_valid", "image_quality"}
    assert all(0 <= r.points <= r.max_points for r in reasons)
    assert verdict(ktp()) is Decision.APPROVED


def codes(fields: dict[str, ExtractedField], **kwargs: object) -> dict[str, Reason]:
    _, reasons = score_document(DocType.KTP, fields, GOOD_PHOTO, today=TODAY, **kwargs)  # type: ignore[arg-type]
    return {reason.code: reason for reason in reasons}


@pytest.mark.parametrize(
    ("nik", "gender", "birth_date"),
    [("3171025708900001", "PEREMPUAN", "17-08-1990"), ("3171021708900001", "LAKI-LAKI", "17-08-1990")],
    ids=["woman: day + 40", "man"],
)
def test_a_nik_that_agrees_with_the_card_earns_each_agreement(nik: str, gender: str, birth_date: str) -> None:
    found = codes(ktp(nik=nik, gender=gender, birth_date=birth_date))
    assert found["nik_valid"].points == pytest.approx(15)
    assert found["nik_birth_date_agrees"].points == pytest.approx(5)
    assert found["nik_gender_agrees"].points == pytest.approx(5)
    assert not any(reason.blocking for reason in found.values())
    assert verdict(ktp(nik=nik, gender=gender, birth_date=birth_date)) is Decision.APPROVED


@pytest.mark.parametrize(
    ("overrides", "contradiction"),
    [
        ({"gender": "LAKI-LAKI"}, "nik_gender_contradicts"),  # the NIK encodes a woman (day 57 = 17 + 40)
        ({"nik": "3171021708900001"}, "nik_gender_contradicts"),  # a man's NIK on a woman's card
        ({"birth_date": "18-08-1990"}, "nik_birth_date_contradicts"),
        ({"birth_date": "17-09-1990"}, "nik_birth_date_contradicts"),
        ({"birth_date": "17-08-1991"}, "nik_birth_date_contradicts"),
    ],
)
def test_every_contradiction_blocks_approval(overrides: dict[str, str], contradiction: str) -> None:
    found = codes(ktp(**overrides))
    assert found[contradiction].blocking and found[contradiction].points == 0
    assert verdict(ktp(**overrides)) is Decision.NEEDS_REVIEW


def test_what_could_not_be_compared_earns_nothing_and_blocks_nothing() -> None:
    found = codes(ktp(birth_date=None, gender=None))
    assert found["nik_birth_date_unchecked"].points == found["nik_gender_unchecked"].points == 0
    assert not found["nik_birth_date_unchecked"].blocking and not found["nik_gender_unchecked"].blocking
    broken = codes(ktp(nik="3171??5708900001"))
    assert "nik_unreadable" in broken["nik_invalid"].detail and broken["nik_invalid"].blocking
    assert "nik_birth_date_unchecked" in broken


def test_a_nik_from_another_province_costs_points_but_does_not_block() -> None:
    """People keep their NIK when they move, so the header may name another province than digits 1-2."""
    same = codes(ktp(province="DKI JAKARTA"))
    assert same["nik_province_agrees"].points == 0
    moved = codes(ktp(province="JAWA BARAT"))
    differs = moved["nik_province_differs"]
    assert differs.points == -5 and not differs.blocking and "DKI JAKARTA" in differs.detail
    assert verdict(ktp(province="JAWA BARAT")) is Decision.APPROVED
    assert "nik_province_differs" not in codes(ktp(province="ATLANTIS"))  # unknown header: nothing to compare


def test_a_nik_not_printed_in_ocr_a_blocks_approval() -> None:
    ocr_a = CardEvidence(layout="ektp", nik_font_fit=0.95, nik_font_matches=True)
    assert codes(ktp(), evidence=ocr_a)["nik_font_ocr_a"].points == 0
    assert verdict(ktp(), evidence=ocr_a) is Decision.APPROVED
    arial = CardEvidence(layout="ektp", nik_font_fit=0.66, nik_font_matches=False)
    assert codes(ktp(), evidence=arial)["nik_font_mismatch"].blocking
    assert verdict(ktp(), evidence=arial) is Decision.NEEDS_REVIEW
    assert "nik_font_mismatch" not in codes(ktp(), evidence=CardEvidence())  # layouts without a font check


def test_digits_the_card_decided_are_named() -> None:
    evidence = CardEvidence(layout="ektp", nik_font_fit=0.9, nik_font_matches=True, nik_resolved_digits=1)
    assert "1 NIK digit" in codes(ktp(), evidence=evidence)["nik_digits_decided_by_card"].detail


def test_a_found_card_that_reads_poorly_goes_to_a_person_not_to_rejection() -> None:
    score, reasons = score_document(DocType.KTP, {}, DARK_BLURRY, today=TODAY)
    assert score < 35
    found = decide(score, reasons, approve_at=85, reject_below=35, card_found=True)
    assert found.decision is Decision.NEEDS_REVIEW
    assert "card_read_poorly" in {reason.code for reason in found.reasons}
    assert decide(score, reasons, approve_at=85, reject_below=35).decision is Decision.REJECTED


def test_blocking_reason_overrides_an_approvable_score() -> None:
    reasons = (Reason("x", 90, 100), Reason("claim_nik_mismatch", 0, 0, blocking=True))
    assert decide(90, reasons, approve_at=85, reject_below=35).decision is Decision.NEEDS_REVIEW


def test_card_with_nothing_readable_is_rejected() -> None:
    assert verdict({}, DARK_BLURRY) is Decision.REJECTED
    assert verdict({}, GOOD_PHOTO) is Decision.REJECTED  # a clean photo of a blank card


def test_missing_fields_cost_points_and_are_named() -> None:
    score_all, _ = score_document(DocType.KTP, ktp(), GOOD_PHOTO, today=TODAY)
    score_less, reasons = score_document(DocType.KTP, ktp(occupation=None, religion=None), GOOD_PHOTO, today=TODAY)
    assert score_less < score_all
    present = next(r for r in reasons if r.code == "fields_present")
    assert "occupation" in present.detail and "religion" in present.detail


def test_child_birth_date_is_implausible_for_a_ktp() -> None:
    _, reasons = score_document(
        DocType.KTP, ktp(birth_date="17-08-2015", nik="3171025708150001"), GOOD_PHOTO, today=TODAY
    )
    assert "birth_date_implausible" in {r.code for r in reasons}


def test_claims_that_disagree_with_the_card_block_approval() -> None:
    assert verdict(ktp(), claims=Claims(nik="3171025708900002")) is Decision.NEEDS_REVIEW
    assert verdict(ktp(), claims=Claims(name="BUDI SANTOSO")) is Decision.NEEDS_REVIEW
    assert verdict(ktp(), claims=Claims(name="Siti  Aminah", nik="3171025708900001")) is Decision.APPROVED


def test_thresholds_come_from_the_caller() -> None:
    reasons = (Reason("x", 70, 100),)
    assert decide(70, reasons, approve_at=85, reject_below=35).decision is Decision.NEEDS_REVIEW
    assert decide(70, reasons, approve_at=60, reject_below=35).decision is Decision.APPROVED
    assert decide(70, reasons, approve_at=90, reject_below=75).decision is Decision.REJECTED
    # The edges: >= approve_at approves, exactly reject_below is not rejected.
    assert decide(85, reasons, approve_at=85, reject_below=35).decision is Decision.APPROVED
    assert decide(35, reasons, approve_at=85, reject_below=35).decision is Decision.NEEDS_REVIEW


def test_npwp_with_valid_number_is_approved_and_bad_number_is_not() -> None:
    good = {
        "npwp": ExtractedField("081768533201000", 90),
        "name": ExtractedField("FITRI", 90),
        "nik": ExtractedField("1371026709610748", 90),
    }
    score, reasons = score_document(DocType.NPWP, good, GOOD_PHOTO, today=TODAY)
    assert decide(score, reasons, approve_at=85, reject_below=35).decision is Decision.APPROVED
    bad = {**good, "npwp": ExtractedField("0817685332010", 90)}
    score, reasons = score_document(DocType.NPWP, bad, GOOD_PHOTO, today=TODAY)
    assert decide(score, reasons, approve_at=85, reject_below=35).decision is Decision.NEEDS_REVIEW


def test_ocr_confidence_earns_its_share_and_missing_fields_count_as_zero() -> None:
    _, reasons = score_document(DocType.KTP, ktp(), GOOD_PHOTO, today=TODAY)
    confidence = next(r for r in reasons if r.code == "ocr_confidence")
    assert confidence.points == pytest.approx(20 * 0.92)
    _, reasons = score_document(DocType.KTP, ktp(name=None, nik=None), GOOD_PHOTO, today=TODAY)
    assert next(r for r in reasons if r.code == "ocr_confidence").points == pytest.approx(20 * 0.92 * 8 / 10)


def test_image_quality_scores_sharpness_light_and_contrast() -> None:
    def quality_points(quality: ImageQuality) -> float:
        _, reasons = score_document(DocType.KTP, ktp(), quality, today=TODAY)
        return next(r for r in reasons if r.code == "image_quality").points

    assert quality_points(GOOD_PHOTO) == pytest.approx(15)
    assert quality_points(DARK_BLURRY) < 2
    too_bright = ImageQuality(sharpness=900, brightness=252, contrast=50, width=1000, height=630)
    assert quality_points(too_bright) == pytest.approx(15 * 0.7)  # loses exactly the lighting share


def test_unrecognised_coded_values_cost_points() -> None:
    _, reasons = score_document(DocType.KTP, ktp(religion="ISLAM?", marital_status=None), GOOD_PHOTO, today=TODAY)
    coded = next(r for r in reasons if r.code == "coded_fields_recognised")
    assert coded.points == pytest.approx(5 / 3) and "1/3" in coded.detail
