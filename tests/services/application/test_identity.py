"""The identity rules through a real worker, Redis, Tesseract and the API on loopback: a NIK verified for another
owner goes to a person (the service sees which document, the owner does not), the same owner may verify again,
and an NPWP that contradicts the owner's verified KTP goes to a person too."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from services.adapters.buli2 import Buli2Client
from services.core.identity import NIK_SEEN_FOR_OTHER_OWNER, NPWP_CONTRADICTS_KTP, OWNER_DETAIL
from services.core.lifecycle import Status
from services.wiring import Components
from tests.services.worker_helpers import sample, submit, worker


def _codes(components: Components, doc_id: str) -> dict[str, dict[str, object]]:
    record = components.store.get(doc_id)
    assert record is not None
    return {str(reason["code"]): reason for reason in record.reasons or []}


def _went_to_review(components: Components, doc_id: str) -> bool:
    return "needs_review" in [event["to_status"] for event in components.store.history(doc_id)]


def test_a_nik_verified_for_another_owner_goes_to_a_person(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    card = sample(sample_dir, "clean").read_bytes()
    first = submit(components, card, owner="alice")
    worker("gpu", parts).process_one()
    approved = components.store.get(first)
    assert approved is not None and approved.status is Status.APPROVED
    assert approved.nik_hash and re.fullmatch(r"[0-9a-f]{64}", approved.nik_hash)
    assert approved.fields and approved.fields["nik"] not in approved.nik_hash  # a keyed hash, not the NIK

    # The same card for another account: an approvable score, held for a person.
    second = submit(components, card, owner="bob")
    worker("gpu", parts).process_one()
    assert _went_to_review(components, second)
    reason = _codes(components, second)[NIK_SEEN_FOR_OTHER_OWNER]
    assert reason["blocking"] is True and first in str(reason["detail"])

    # The same owner verifying the same card again is no duplicate.
    again = submit(components, card, owner="alice")
    worker("gpu", parts).process_one()
    assert components.store.get(again).status is Status.APPROVED  # type: ignore[union-attr]
    assert NIK_SEEN_FOR_OTHER_OWNER not in _codes(components, again)

    # Over HTTP: the service caller sees which document holds the NIK, the owner only that one does.
    api = components.settings.api_url
    as_service = httpx.get(f"{api}/v1/documents/{second}", headers={"X-Service-Key": components.settings.service_key})
    as_owner = httpx.get(f"{api}/v1/documents/{second}", headers={"X-Dev-User": "bob"})
    service_detail = {r["code"]: r["detail"] for r in as_service.json()["reasons"]}[NIK_SEEN_FOR_OTHER_OWNER]
    owner_detail = {r["code"]: r["detail"] for r in as_owner.json()["reasons"]}[NIK_SEEN_FOR_OTHER_OWNER]
    assert first in service_detail
    assert owner_detail == OWNER_DETAIL and first not in as_owner.text


def test_an_npwp_contradicting_the_owners_verified_ktp_goes_to_a_person(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    ktp = submit(components, sample(sample_dir, "clean").read_bytes(), owner="carol")
    worker("gpu", parts).process_one()
    assert components.store.get(ktp).status is Status.APPROVED  # type: ignore[union-attr]
    # Another person's NPWP (its NIK and name are not carol's): held for a person.
    npwp = submit(components, sample(sample_dir, "clean", doc_type="npwp").read_bytes(), "npwp", owner="carol")
    worker("gpu", parts).process_one()
    assert _went_to_review(components, npwp)
    reason = _codes(components, npwp)[NPWP_CONTRADICTS_KTP]
    assert reason["blocking"] is True and ktp in str(reason["detail"])
    # Without a verified KTP the same NPWP has nothing to contradict.
    alone = submit(components, sample(sample_dir, "clean", doc_type="npwp").read_bytes(), "npwp", owner="dave")
    worker("gpu", parts).process_one()
    assert NPWP_CONTRADICTS_KTP not in _codes(components, alone)
