"""PII masking for anything that leaves the owner's view: escalations, logs, other callers."""

from __future__ import annotations

_SENSITIVE_NUMBERS = ("nik", "npwp", "npwp_formatted")
_SENSITIVE_TEXT = ("name", "birth_date", "birth_place", "address", "rt_rw", "village")


def mask_number(value: str, *, keep_start: int = 4, keep_end: int = 2) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_text(value: str) -> str:
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in value.split())


def mask_fields(fields: dict[str, str]) -> dict[str, str]:
    masked: dict[str, str] = {}
    for name, value in fields.items():
        if name in _SENSITIVE_NUMBERS:
            masked[name] = mask_number(value)
        elif name in _SENSITIVE_TEXT:
            masked[name] = mask_text(value)
        else:
            masked[name] = value
    return masked
