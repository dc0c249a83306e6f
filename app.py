"""CDK app: synthesizes the FiLot stacks for the stage named in cdk.json context (offline, no credentials)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# jsii prints a banner on every start under Node 20 (end-of-life); say once here that we know.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# Imported after the line above: importing aws_cdk starts the jsii runtime.
import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.config import StageConfig
from stacks.foundation_stack import FoundationStack

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
    config = StageConfig.from_context(app.node.get_all_context())
    FoundationStack(app, config.stack_name("foundation"), config=config)
    _add_nag_checks(app)
    return app


def _add_nag_checks(app: cdk.App) -> None:
    # Every synth is checked against the AWS Solutions rules; a finding fails `cdk synth`.
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))


if __name__ == "__main__":
    build_app().synth()
