"""The web app speaks every reason and capture code the platform produces: a code added to the scoring without
words in web/src/i18n.ts would reach a person as "Check nik_something" (the app's fallback). Read from the source
of both sides, so neither needs the other at run time."""

from __future__ import annotations

import re
from pathlib import Path

from services.core.identity import NIK_SEEN_FOR_OTHER_OWNER, NPWP_CONTRADICTS_KTP
from services.core.lifecycle import Status
from services.core.scoring import CAPTURE_ADVICE

ROOT = Path(__file__).resolve().parents[2]
WORDS = (ROOT / "web" / "src" / "i18n.ts").read_text()


def _table(name: str, lang: str) -> set[str]:
    """The keys of one language's block of a `const name: Record<Lang, ...> = { id: {...}, en: {...} }` table."""
    table = WORDS[WORDS.index(f"const {name}") :]
    block = table[table.index(f"{lang}: {{") :]
    block = block[: block.index("\n  },")]
    return set(re.findall(r"^\s+(\w+):", block, re.MULTILINE)) | set(re.findall(r"[{,]\s*(\w+):", block))


def reason_codes() -> set[str]:
    source = "\n".join(p.read_text() for p in (ROOT / "services" / "core").glob("*.py"))
    codes = set(re.findall(r'Reason\(\s*"([a-z_]+)"', source))
    for template in re.findall(r'Reason\(\s*f"([a-z_]*\{subject\}[a-z_]*)"', source):
        codes |= {template.replace("{subject}", subject) for subject in ("birth_date", "gender")}
    return codes | {NIK_SEEN_FOR_OTHER_OWNER, NPWP_CONTRADICTS_KTP, "fields_present", "coded_fields_recognised"}


def test_every_reason_code_has_words_in_both_languages() -> None:
    codes = reason_codes()
    assert {"nik_valid", "nik_gender_agrees", "nik_birth_date_contradicts", "claim_name_mismatch"} <= codes
    for lang in ("id", "en"):
        assert codes - _table("reasonWords", lang) == set(), lang


def test_every_capture_code_and_status_has_words_in_both_languages() -> None:
    for lang in ("id", "en"):
        assert set(CAPTURE_ADVICE) - _table("advice", lang) == set(), lang
        assert {status.value for status in Status} - _table("statuses", lang) == set(), lang
