"""PII masking: what leaves the owner's view never carries a whole NIK or name."""

from __future__ import annotations

from services.core.masking import mask_fields


def test_numbers_and_names_are_masked_other_fields_kept() -> None:
    masked = mask_fields({"nik": "3171025708900001", "name": "SITI AMINAH", "religion": "ISLAM"})
    assert masked["nik"] == "3171**********01"
    assert masked["name"] == "S*** A*****"
    assert masked["religion"] == "ISLAM"
