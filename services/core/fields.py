"""Field extraction from OCR lines: label regexes tolerant of the mistakes Tesseract makes on ID cards."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.core.model import DocType, ExtractedField, OcrLine

GENDERS = ("LAKI-LAKI", "PEREMPUAN")
RELIGIONS = ("ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KONGHUCU")
MARITAL_STATUSES = ("BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI")

REQUIRED_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.KTP: (
        "nik",
        "name",
        "birth_place",
        "birth_date",
        "gender",
        "address",
        "religion",
        "marital_status",
        "occupation",
        "nationality",
    ),
    DocType.NPWP: ("npwp", "name"),
}


@dataclass(frozen=True)
class _Label:
    field: str
    pattern: re.Pattern[str]


def _label(field: str, label: str) -> _Label:
    # After the label: the colon, or the "1"/"l" Tesseract often reads it as when it stands alone.
    separator = r"(?:[:;=.\-|!*]+|[1Il](?=\s))?"
    return _Label(field, re.compile(rf"^{label}\s*{separator}\s*(?P<value>.*)$", re.IGNORECASE))


_KTP_LABELS: tuple[_Label, ...] = (
    _label("nik", r"N[I1l|!]K"),
    _label("name", r"Nam[ae]"),
    _label("birth", r"Tempat\s*/?\s*Tg[l1I|!]\.?\s*Lahir"),
    _label("gender", r"Jenis\s*Kelamin"),
    _label("blood_type", r"Gol\.?\s*Darah"),
    _label("address", r"Alamat"),
    _label("rt_rw", r"RT\s*/\s*RW"),
    _label("village", r"Kel\s*/\s*Desa"),
    _label("district", r"Kecamatan"),
    _label("religion", r"Agama"),
    _label("marital_status", r"Status\s*Perkawinan"),
    _label("occupation", r"Pekerjaan"),
    _label("nationality", r"Kewarganegaraan"),
    _label("valid_until", r"Berlaku\s*Hingga"),
    _label("province", r"PROVINSI"),
)
_NPWP_LABELS: tuple[_Label, ...] = (
    _label("npwp", r"NPWP"),
    _label("name", r"Nam[ae]"),
    _label("nik", r"N[I1l|!]K"),
    _label("address", r"Alamat"),
    _label("kpp", r"KPP(?=\s*[:;])"),
    _label("registered", r"(?:Tanggal\s*)?Terdaftar"),
)
# The DJP's own NPWP layout labels neither the holder's name (the line under the number) nor the address (the line
# under the NIK), and prints the tax office as a bare "KPP PRATAMA ..." line.
_UNLABELLED_NPWP: dict[str, str] = {"npwp": "name", "nik": "address"}
_BARE_KPP_RE = re.compile(r"^KPP\s+\w", re.IGNORECASE)
_REGISTERED = next(label for label in _NPWP_LABELS if label.field == "registered")
_DATE_RE = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})")
_BLOOD_IN_LINE_RE = re.compile(r"Gol\.?\s*Darah\s*[:;=]?\s*(?P<value>AB|A|B|O|0|-)(?![A-Za-z0-9])", re.IGNORECASE)
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "!": "1"})
_VALUE_JUNK_RE = re.compile(r"[^A-Za-z0-9 .,'/()\-]")


def extract_fields(doc_type: DocType, lines: Sequence[OcrLine]) -> dict[str, ExtractedField]:
    """Every field found on the card, normalised; absent fields are simply missing from the result."""
    labels = _KTP_LABELS if doc_type is DocType.KTP else _NPWP_LABELS
    raw: dict[str, ExtractedField] = {}
    previous: str | None = None
    for line in lines:
        text = line.text.strip().lstrip("'\"`‘’“”_-–—=~*:;,. |")
        if not text:
            continue
        matched = next((label for label in labels if label.pattern.match(text)), None)
        if matched is not None and matched.field not in raw:
            raw[matched.field] = ExtractedField(matched.pattern.match(text).group("value"), line.confidence)  # type: ignore[union-attr]
        elif matched is None and previous == "province" and doc_type is DocType.KTP:
            # The regency/city is printed, unlabelled, under the province header.
            raw.setdefault("city", ExtractedField(text, line.confidence))
        elif matched is None and doc_type is DocType.NPWP:
            if _BARE_KPP_RE.match(text):
                # The date of registration may stand on the same line, to the right.
                kpp, *rest = re.split(r"(?i)\s+(?=(?:Tanggal\s*)?Terdaftar)", text, maxsplit=1)
                raw.setdefault("kpp", ExtractedField(kpp, line.confidence))
                registered = _REGISTERED.pattern.match(rest[0]) if rest else None
                if registered:
                    raw.setdefault("registered", ExtractedField(registered.group("value"), line.confidence))
            elif previous in _UNLABELLED_NPWP and re.search(r"[A-Za-z]{2}", text):
                raw.setdefault(_UNLABELLED_NPWP[previous], ExtractedField(text, line.confidence))
        if doc_type is DocType.KTP and "blood_type" not in raw:
            blood = _BLOOD_IN_LINE_RE.search(text)
            if blood:
                raw["blood_type"] = ExtractedField(blood.group("value"), line.confidence)
        previous = matched.field if matched is not None else None
    return _normalise(doc_type, raw)


def parse_card_date(value: str | None) -> date | None:
    if not value:
        return None
    match = _DATE_RE.search(value)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def normalise_digits(value: str) -> str:
    """Undo the letter-for-digit confusions OCR makes in number fields; keep other letters so bad input stays bad."""
    return re.sub(r"\s+", "", value.translate(_DIGIT_LOOKALIKES))


def _nik_digits(value: str) -> str:
    """The NIK in a value: a 16-digit run when there is one (a misread ':' can precede it), else everything."""
    candidate = re.split(r"[^0-9A-Za-z|! ]", value, maxsplit=1)[0]
    runs: list[str] = re.findall(r"[0-9]+", candidate.translate(_DIGIT_LOOKALIKES))
    exact = [run for run in runs if len(run) == 16]
    if len(exact) == 1:
        return exact[0]
    if len(runs) == 1 and len(runs[0]) == 17 and runs[0][0] in "18":
        # The colon after the label, glued to the number and read as "1" or "8".
        return runs[0][1:]
    return normalise_digits(candidate)


def format_npwp(digits: str) -> str:
    return f"{digits[0:2]}.{digits[2:5]}.{digits[5:8]}.{digits[8]}-{digits[9:12]}.{digits[12:15]}"


def _normalise(doc_type: DocType, raw: dict[str, ExtractedField]) -> dict[str, ExtractedField]:
    out: dict[str, ExtractedField] = {}
    for name, found in raw.items():
        out.update(normalise_field(name, found.value, found.confidence))
    if doc_type is DocType.NPWP and "npwp" in out and len(out["npwp"].value) == 15 and out["npwp"].value.isdigit():
        out["npwp_formatted"] = ExtractedField(format_npwp(out["npwp"].value), out["npwp"].confidence)
    return out


def normalise_field(name: str, value: str, conf: float) -> dict[str, ExtractedField]:
    """The field(s) one raw value makes, normalised: `birth` gives birth_place and birth_date, `blood` (the whole
    "Gol. Darah : O" segment) gives blood_type; a value that makes nothing valid gives nothing."""
    out: dict[str, ExtractedField] = {}
    if name == "nik":
        digits = _nik_digits(value)
        if digits:
            out["nik"] = ExtractedField(digits, conf)
    elif name == "npwp":
        digits = re.sub(r"[.\-\s]", "", value.translate(_DIGIT_LOOKALIKES))
        digits = re.match(r"[0-9A-Za-z]*", digits).group(0)  # type: ignore[union-attr]
        if digits:
            out["npwp"] = ExtractedField(digits, conf)
    elif name == "birth":
        place, _, rest = value.partition(",")
        parsed = parse_card_date(rest or value)
        if place.strip() and rest:
            out["birth_place"] = ExtractedField(_clean(place), conf)
        if parsed:
            out["birth_date"] = ExtractedField(parsed.strftime("%d-%m-%Y"), conf)
    elif name == "gender":
        head = re.split(r"Gol", value, maxsplit=1, flags=re.IGNORECASE)[0]
        _put_vocab(out, "gender", head, GENDERS, conf)
    elif name == "religion":
        _put_vocab(out, "religion", value, RELIGIONS, conf)
    elif name == "marital_status":
        _put_vocab(out, "marital_status", value, MARITAL_STATUSES, conf)
    elif name == "rt_rw":
        match = re.search(r"(\d{1,3})\s*/\s*(\d{1,3})", value)
        if match:
            out["rt_rw"] = ExtractedField(f"{int(match[1]):03d}/{int(match[2]):03d}", conf)
    elif name == "registered":
        parsed = parse_card_date(value)
        if parsed:
            out[name] = ExtractedField(parsed.strftime("%d-%m-%Y"), conf)
    elif name == "blood_type":
        blood = re.match(r"\s*(AB|A|B|O|0|-)(?![A-Za-z0-9])", value.upper())
        if blood:
            out[name] = ExtractedField(blood.group(1).replace("0", "O"), conf)
    elif name == "blood":
        blood = _BLOOD_IN_LINE_RE.search(value)
        if blood:
            out["blood_type"] = ExtractedField(blood.group("value").upper().replace("0", "O"), conf)
    elif name == "province":
        cleaned = re.sub(r"^PROVINSI\s+", "", _clean(value))
        if cleaned:
            out[name] = ExtractedField(cleaned, conf)
    else:
        cleaned = _clean(value)
        if cleaned:
            out[name] = ExtractedField(cleaned, conf)
    return out


def _put_vocab(
    out: dict[str, ExtractedField], name: str, value: str, vocabulary: tuple[str, ...], conf: float
) -> None:
    cleaned = _clean(value).upper().replace(" - ", "-")
    if cleaned in vocabulary:
        out[name] = ExtractedField(cleaned, conf)
        return
    close = difflib.get_close_matches(cleaned, vocabulary, n=1, cutoff=0.75)
    if close:
        # A near miss is kept, but at lower confidence, so the score shows the doubt.
        out[name] = ExtractedField(close[0], conf * 0.8)


def _clean(value: str) -> str:
    cleaned = _VALUE_JUNK_RE.sub(" ", value)
    return re.sub(r"\s+", " ", cleaned).strip(" .,-'/").upper()


def detect_doc_type(lines: Sequence[OcrLine]) -> DocType:
    """NPWP cards carry the tax office's header or an NPWP label; everything else is read as a KTP."""
    text = " ".join(line.text.upper() for line in lines)
    return DocType.NPWP if re.search(r"NPWP|JENDERAL\s+PAJAK", text) else DocType.KTP
