"""PII masking for anything that leaves the owner's view: escalations, logs, other callers."""

from __future__ import annotations

# The one table of personal data by name, for escalations, logs and other callers alike (services/platform/logs.py masks log
# extras with it): numbers keep their ends, text keeps initials.
PII_NUMBERS = frozenset({"nik", "claimed_nik", "npwp", "npwp_formatted", "phone", "phone_number"})
PII_TEXT = frozenset(
    {"name", "claimed_name", "full_name", "birth_date", "birth_place", "address", "rt_rw", "village", "email"}
)


def mask_number(value: str, *, keep_start: int = 4, keep_end: int = 2) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_text(value: str) -> str:
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in value.split())


def mask_fields(fields: dict[str, str]) -> dict[str, str]:
    masked: dict[str, str] = {}
    for name, value in fields.items():
        if name in PII_NUMBERS:
            masked[name] = mask_number(value)
        elif name in PII_TEXT:
            masked[name] = mask_text(value)
        else:
            masked[name] = value
    return masked
