"""cfn-lint on every synthesized template of both stage variants: no errors, and only the warnings known here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import KNOWN_WARNINGS, lint


@pytest.mark.parametrize("variant_name", ["production", "variant"])
def test_templates_have_no_cfn_lint_errors(variant_name: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(variant_name)
    findings = lint(Path(synthesized.assembly.directory))
    errors = [finding for finding in findings if finding[2] == "error"]
    assert errors == []
    unknown = {finding[1] for finding in findings} - KNOWN_WARNINGS
    assert not unknown, [finding for finding in findings if finding[1] in unknown]
