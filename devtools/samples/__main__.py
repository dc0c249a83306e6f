"""Command line: write a set of sample documents with their truth files to a directory."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from devtools.samples.generate import DEMO_PLAN, full_plan, generate_set


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.samples",
        description=(
            "Render synthetic KTP/NPWP cards (and invalid, blank and random images) with a "
            "<name>.json ground-truth file next to each image."
        ),
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="directory to write into (created if missing)")
    parser.add_argument(
        "--seed", type=int, default=7, help="random seed; the same seed writes the same bytes (default 7)"
    )
    parser.add_argument(
        "--count-per-variant",
        type=int,
        metavar="N",
        help=f"write N of every document type x variant instead of the {sum(c for _, _, c in DEMO_PLAN)}-document demo set",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.count_per_variant is not None and args.count_per_variant < 1:
        _parser().error("--count-per-variant must be at least 1")
    plan = DEMO_PLAN if args.count_per_variant is None else full_plan(args.count_per_variant)
    for image_path, truth in generate_set(args.out_dir, seed=args.seed, plan=plan):
        print(image_path)
        print(image_path.with_suffix(".json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
