"""Skips for a real component that is missing (a Debian package, a server binary): `MISSING` starts their reason.
Under FILOT_TEST_STRICT=1 (`make test`, CI) tests/conftest.py turns such a skip into a failure, so a run that
could not use a real component says so instead of passing with fewer tests; a plain `pytest` still skips."""

from __future__ import annotations

import pytest

MISSING = "missing component:"


def reason(what: str) -> str:
    return f"{MISSING} {what}"


def skip_missing(what: str) -> None:
    pytest.skip(reason(what))
