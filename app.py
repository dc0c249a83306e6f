"""CDK app: synthesizes the FiLot stacks for the stage named in cdk.json context (offline, no credentials)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# jsii prints a banner on every start under Node 20 (end-of-life); say once here that we know.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# Imported after the line above: importing aws_cdk starts the jsii runtime.
import aws_cdk as cdk
from aws_cdk import cx_api
from cdk_nag import AwsSolutionsChecks

from stacks.stages import build_stage

REPO_ROOT = Path(__file__).resolve().parent
CDK_JSON = REPO_ROOT / "cdk.json"


def file_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The cdk.json context, so `python3 app.py` alone sees the same settings as `cdk synth`."""
    return dict(json.loads(path.read_text(encoding="utf-8")).get("context", {}))


def build_app() -> cdk.App:
    # Context from the CDK CLI (cdk.json, cdk.context.json, -c) takes precedence over these defaults.
    # The CLI names the output directory in CDK_OUTDIR, which cdk.App reads; run alone, cdk.App would pick
    # a fresh temporary directory, so `python3 app.py` writes to ./cdk.out like `cdk synth` instead.
    outdir = None if os.environ.get("CDK_OUTDIR") else str(REPO_ROOT / "cdk.out")
    app = cdk.App(context=file_context(), outdir=outdir)
    build_stage(app, app.node.get_all_context())
    _add_nag_checks(app)
    return app


def _add_nag_checks(app: cdk.App) -> None:
    # Every synth is checked against the AWS Solutions rules; an unsuppressed finding fails `cdk synth`
    # (the CLI reads the error annotations) and `python3 app.py` (main below).
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))


def synthesis_errors(assembly: cx_api.CloudAssembly) -> list[str]:
    """Every error annotation (cdk-nag findings among them) of the synthesized stacks, one line each."""
    return [
        f"{message.id}: {message.entry.data}".strip()
        for stack in assembly.stacks
        for message in stack.messages
        if message.level == cx_api.SynthesisMessageLevel.ERROR
    ]


def main() -> int:
    errors = synthesis_errors(build_app().synth())
    for line in errors:
        print(f"error: {line}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
