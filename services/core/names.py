"""Comparing printed names: case, punctuation and spacing do not count, the letters do."""

from __future__ import annotations

import difflib
import re


def name_similarity(a: str, b: str) -> float:
    """0..1, how alike two names read once reduced to capital letters and single spaces."""
    return difflib.SequenceMatcher(None, name_key(a), name_key(b)).ratio()


def name_key(name: str) -> str:
    return " ".join(re.sub(r"[^A-Z ]", " ", name.upper()).split())
