"""Command line: `python -m devtools.evaluation [--count N] [--seed S] [--jobs J] [--markdown PATH]`."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from devtools.evaluation.plan import DEFAULT_COUNT, DEFAULT_SEED, WEIGHTS, expand, scaled_plan
from devtools.evaluation.report import RunInfo, format_markdown, format_text, miss_lines
from devtools.evaluation.runner import run_cards
from devtools.evaluation.summary import summarise
from services.adapters.ocr import check_tesseract
from services.platform.errors import OcrError
from services.platform.settings import Settings, describe
from services.wiring import thresholds

# The knobs a change to the decision rules turns, as options: `--weights '{"image_quality": 10}'` asks whether new
# weights still approve no invalid card, with everything else as production has it.
KNOBS = (
    ("--weights", "FILOT_SCORE_WEIGHTS", "JSON", "score component points, e.g. '{\"image_quality\": 10}'"),
    ("--approve-at", "FILOT_APPROVE_AT", "SCORE", "approve at or above"),
    ("--reject-below", "FILOT_REJECT_BELOW", "SCORE", "reject below"),
    ("--card-width", "FILOT_CARD_WIDTH_PX", "PX", "width the card is normalised to"),
    ("--lang", "FILOT_OCR_LANG", "LANGS", "Tesseract languages"),
    ("--psm", "FILOT_OCR_PSM", "N", "Tesseract page segmentation mode"),
    ("--max-pixels", "FILOT_MAX_IMAGE_PIXELS", "N", "the upload check's pixel cap"),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.evaluation",
        description=(
            "Generate a fixed-seed set of synthetic cards (the national e-KTP as people scan it, the drawn KTP of "
            "the first samples, NPWP; clean, degraded, invalid, unreadable), verify each with the production "
            "configuration (FILOT_* variables apply), and print per design: field accuracy, NIK digits, decisions, "
            "the CPU cost per card, and any invalid card approved without a person."
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
        help="preprocessing: OpenCV (the CPU path) or the Numba kernels (the GPU path; CPU twins without a GPU)",
    )
    parser.add_argument(
        "--design",
        action="append",
        choices=sorted({design for design, _, _ in WEIGHTS}),
        help="only cards of this design (repeatable; default: every design)",
    )
    knobs = parser.add_argument_group(
        "production settings", "each sets its FILOT_* variable for this run (the workers read the same settings object)"
    )
    for flag, variable, metavar, what in KNOBS:
        knobs.add_argument(flag, dest=variable, metavar=metavar, help=f"{what} ({variable})")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write the tables as Markdown to PATH")
    parser.add_argument(
        "--show-misses", action="store_true", help="also list every card with a field misread or a wrong decision"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    for _, variable, _, _ in KNOBS:
        if getattr(args, variable) is not None:
            os.environ[variable] = getattr(args, variable)  # the worker processes inherit it
    try:
        settings = Settings()
        check_tesseract(settings.ocr_lang)
    except OcrError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValidationError, SettingsError) as exc:
        print(f"error: {describe(exc)}", file=sys.stderr)
        return 2
    policy = thresholds(settings)
    started = time.monotonic()
    results = run_cards(
        expand(scaled_plan(args.count, weights=[w for w in WEIGHTS if not args.design or w[0] in args.design])),
        seed=args.seed,
        jobs=args.jobs,
        progress=sys.stderr,
        preprocessor=args.preprocessor,
    )
    summary = summarise(results)
    command = "python -m devtools.evaluation " + shlex.join(argv if argv is not None else sys.argv[1:])
    configuration = (
        f"engine {settings.ocr_engine} {settings.ocr_lang} psm {settings.ocr_psm}, card width {settings.card_width_px}, "
        f"approve at {policy.approve_at:g}, reject below {policy.reject_below:g}, weights {policy.weights}, "
        f"preprocessor {args.preprocessor}"
    )
    info = RunInfo(
        command=command.strip(), seed=args.seed, jobs=args.jobs, wall_s=time.monotonic() - started,
        configuration=configuration,
    )
    print(format_text(summary, info), end="")
    if args.show_misses:
        print("\n".join(["", "Misses", *miss_lines(results)]))
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(format_markdown(summary, info), encoding="utf-8")
    # A tampered card approved without a person looking is the failure this platform exists to prevent.
    return 1 if summary.auto_approved_bad else 0


if __name__ == "__main__":
    sys.exit(main())
