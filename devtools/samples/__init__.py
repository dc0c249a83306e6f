"""Synthetic KTP/NPWP sample documents with ground truth, for tests, benchmarks and the demo run."""

# degrade() is not re-exported: as a package attribute it would hide the degrade module.

from __future__ import annotations

from devtools.samples.degrade import DEGRADATIONS
from devtools.samples.generate import (
    DEMO_PLAN,
    full_plan,
    generate_sample,
    generate_set,
    load_truths,
    write_sample,
)
from devtools.samples.identity import (
    make_invalid_nik,
    make_malformed_nik,
    random_ktp_fields,
    random_npwp_fields,
)
from devtools.samples.nik import is_valid_nik, nik_problems
from devtools.samples.render import CARD_SIZE, render_blank, render_ktp, render_npwp, render_random
from devtools.samples.truth import DECISIONS, DOC_TYPES, VARIANTS, SampleTruth, acceptable_decisions

__all__ = [
    "CARD_SIZE",
    "DECISIONS",
    "DEGRADATIONS",
    "DEMO_PLAN",
    "DOC_TYPES",
    "VARIANTS",
    "SampleTruth",
    "acceptable_decisions",
    "full_plan",
    "generate_sample",
    "generate_set",
    "is_valid_nik",
    "load_truths",
    "make_invalid_nik",
    "make_malformed_nik",
    "nik_problems",
    "random_ktp_fields",
    "random_npwp_fields",
    "render_blank",
    "render_ktp",
    "render_npwp",
    "render_random",
    "write_sample",
]
