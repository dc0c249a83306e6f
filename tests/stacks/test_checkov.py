"""checkov over both stage variants' templates: nothing fails, at most 5% of its checks are skipped, and every
skip carries its reason (all of them written in stacks/nag_suppressions.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.components import skip_missing
from tests.stacks.conftest import Synthesized

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-lint" / "bin" / "checkov"
MOST_SKIPPED = 0.05


@pytest.mark.parametrize("variant_name", ["production", "variant"])
def test_checkov_fails_nothing_and_skips_at_most_5_percent_each_with_a_reason(
    variant_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if not CHECKOV.exists():
        skip_missing("checkov (.venv-lint from requirements-lint.txt: `make test` installs it)")
    synthesized: Synthesized = request.getfixturevalue(variant_name)
    templates = sorted(Path(synthesized.assembly.directory).glob("*.template.json"))
    result = subprocess.run(
        [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--output", "json", "--compact"]
        + [argument for template in templates for argument in ("-f", str(template))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    summaries = [report["summary"] for report in reports]
    failed = [check for report in reports for check in report["results"]["failed_checks"]]
    skipped = [check for report in reports for check in report["results"]["skipped_checks"]]
    assert failed == [], [(check["check_id"], check["resource"]) for check in failed]
    total = sum(summary["passed"] + summary["failed"] + summary["skipped"] for summary in summaries)
    assert total > 200  # the templates were read
    assert len(skipped) <= MOST_SKIPPED * total, f"{len(skipped)} of {total} checks skipped"
    for check in skipped:
        assert len(check["check_result"].get("suppress_comment") or "") > 40, (check["check_id"], check["resource"])
