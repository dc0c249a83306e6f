"""python -m stacks.preflight --stage S [--image-tag T] [-c key=value ...]

Run before deploying a stage's compute (the pipeline does, after pushing the images): exit 0 when every check
passes, 1 when one fails (each failure says what to do), 2 when the stage config or the credentials are unusable.
The stage config is cdk.json's, with the same `-c` overrides the CDK CLI takes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
from botocore.exceptions import BotoCoreError, NoCredentialsError  # type: ignore[import-untyped,unused-ignore]

from stacks.config import IMAGE_TAG_KEY, StageConfig
from stacks.context_values import command_line_context
from stacks.preflight.checks import Finding, run_checks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.preflight", description=__doc__.split("\n\n")[1])
    parser.add_argument("--stage", required=True, help="the stage to check (filot:stage)")
    parser.add_argument("--image-tag", help="the image tag about to be deployed (filot:imageTag; default cdk.json's)")
    parser.add_argument(
        "-c", "--context", action="append", default=[], metavar="KEY=VALUE", help="a context value, as `cdk -c`"
    )
    parser.add_argument("--json", action="store_true", help="the findings as JSON lines")
    args = parser.parse_args(argv)
    try:
        config = StageConfig.from_context(_context(args.stage, args.image_tag, args.context))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    session = boto3.Session(region_name=config.region)
    try:
        findings = run_checks(config, session.client)
    except NoCredentialsError:
        print("error: no AWS credentials (a profile, the deploy role, or AWS_* variables)", file=sys.stderr)
        return 2
    except BotoCoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _report(config, findings, as_json=args.json)
    return 0 if all(finding.ok for finding in findings) else 1


def _context(stage: str, image_tag: str | None, pairs: Sequence[str]) -> dict[str, Any]:
    context = command_line_context(stage, pairs)
    if image_tag:
        context[IMAGE_TAG_KEY] = image_tag
    return context


def _report(config: StageConfig, findings: Sequence[Finding], *, as_json: bool) -> None:
    if as_json:
        for finding in findings:
            print(json.dumps({"check": finding.check, "ok": finding.ok, "detail": finding.detail, "fix": finding.fix}))
        return
    failed = [finding for finding in findings if not finding.ok]
    print(f"preflight {config.stage} ({config.region}, image tag {config.image_tag}):")
    for finding in findings:
        print(f"  {'ok  ' if finding.ok else 'FAIL'}  {finding.check}: {finding.detail}")
        if finding.fix:
            print(f"        fix: {finding.fix}")
    print(f"{len(findings) - len(failed)} passed, {len(failed)} failed" + ("" if failed else ": ready to deploy"))


if __name__ == "__main__":
    sys.exit(main())
