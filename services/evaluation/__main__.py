"""Command line: `python -m services.evaluation [--count N] [--seed S] [--jobs J] [--markdown PATH]`."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from services.adapters.ocr import check_tesseract
from services.errors import OcrError
from services.evaluation.plan import DEFAULT_COUNT, DEFAULT_SEED, expand, scaled_plan
from services.evaluation.report import RunInfo, format_markdown, format_text
from services.evaluation.runner import OCR_LANG, run_cards
from services.evaluation.summary import summarise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.evaluation",
        description=(
            "Generate a fixed-seed set of synthetic KTP/NPWP cards (clean, degraded, invalid, unreadable), "
            "verify each with and without preprocessing, and print field accuracy, decision confusion "
            "matrices and auto-approved invalid cards."
        ),
    )
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"cards in the set (default {DEFAULT_COUNT})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"sample seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes, one Tesseract thread each (default: CPUs)",
    )
    parser.add_argument(
        "--preprocessor",
        choices=["opencv", "kernels"],
        default="opencv",
        help="the 'prep' mode's chain: OpenCV (CPU path) or the Numba kernels (GPU path; CPU twins without a GPU)",
    )
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write the tables as Markdown to PATH")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    try:
        check_tesseract(OCR_LANG)
    except OcrError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    results = run_cards(
        expand(scaled_plan(args.count)),
        seed=args.seed,
        jobs=args.jobs,
        progress=sys.stderr,
        preprocessor=args.preprocessor,
    )
    summary = summarise(results)
    command = "python -m services.evaluation " + shlex.join(argv if argv is not None else sys.argv[1:])
    info = RunInfo(command=command.strip(), seed=args.seed, jobs=args.jobs, wall_s=time.monotonic() - started)
    print(format_text(summary, info), end="")
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(format_markdown(summary, info), encoding="utf-8")
    # A tampered card approved without a person looking is the failure this platform exists to prevent.
    return 1 if summary.modes["prep"].auto_approved_bad else 0


if __name__ == "__main__":
    sys.exit(main())
