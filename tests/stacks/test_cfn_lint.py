"""cfn-lint on every synthesized template of both stage variants: no errors, and only the warnings known here."""

from __future__ import annotations

from pathlib import Path

import cfnlint.api as cfnlint_api  # type: ignore[import-untyped]  # cfn-lint>=1.0,<2 (requirements-dev.txt)
import pytest

from tests.stacks.conftest import Synthesized

# Warnings we accept, and why. A new warning fails the test until it is fixed or listed here.
KNOWN_WARNINGS = {
    # CDK writes an explicit DependsOn next to a Ref/GetAtt (load balancer listener, Lambda role, custom resource).
    "W3005",
    # The zones are named on purpose: explicit stage config keeps synthesis offline.
    "W3010",
}


def lint(directory: Path) -> list[tuple[str, str, str, str]]:
    """(template, rule, severity, message) for every finding of cfn-lint in ``directory``."""
    findings = []
    templates = sorted(directory.glob("*.template.json"))
    assert templates, f"no templates in {directory}"
    for template in templates:
        for match in cfnlint_api.lint_file(template, config=cfnlint_api.ManualArgs(regions=["ap-southeast-2"])):
            findings.append((template.name, match.rule.id, match.rule.severity, str(match.message)))
    return findings


@pytest.mark.parametrize("variant_name", ["production", "variant"])
def test_templates_have_no_cfn_lint_errors(variant_name: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(variant_name)
    findings = lint(Path(synthesized.assembly.directory))
    errors = [finding for finding in findings if finding[2] == "error"]
    assert errors == []
    unknown = {finding[1] for finding in findings} - KNOWN_WARNINGS
    assert not unknown, [finding for finding in findings if finding[1] in unknown]
