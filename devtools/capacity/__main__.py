"""`python -m devtools.capacity [--bench PATH] [--out docs/capacity.md] [--context cdk.json] [--check] [inputs]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devtools.capacity.bench import BenchError, parse_bench
from devtools.capacity.files import bench_text, context_text, read_bench
from devtools.capacity.model import SCALING_CONTEXT_KEY, Inputs, build_model
from devtools.capacity.report import inputs_from, render

DEFAULT_BENCH = Path("docs/capacity-bench.json")
DEFAULT_OUT = Path("docs/capacity.md")
DEFAULT_CONTEXT = Path("cdk.json")

# flag -> Inputs field, with its help; every default is Inputs' (shown in --help) unless the document recorded another.
_INPUT_FLAGS = {
    "--utilisation": ("utilisation", float, "share of the measured rate planned per task"),
    "--target-wait-s": ("target_wait_s", float, "seconds a document may wait queued; backlog per worker = rate x this"),
    "--peak-docs-per-s": ("peak_docs_per_s", float, "arrival rate the maximum task count is sized for"),
    "--gpu-instance-price": ("gpu_instance_usd_per_hour", float, "USD per hour of a g4dn.xlarge (on-demand)"),
    "--fargate-vcpu-price": ("fargate_vcpu_usd_per_hour", float, "USD per Fargate vCPU-hour"),
    "--fargate-gb-price": ("fargate_gb_usd_per_hour", float, "USD per Fargate GB-hour"),
    "--gpu-vcpus": ("gpu_vcpus", int, "vCPUs of the GPU worker task (one engine process each)"),
    "--cpu-vcpus": ("cpu_vcpus", int, "vCPUs of the CPU worker's Fargate task (one engine process each)"),
    "--cpu-memory-gb": ("cpu_memory_gb", float, "memory of the CPU worker's Fargate task, GB"),
    "--gpu-launch-s": ("gpu_launch_s", float, "seconds to launch a GPU instance and start its task (assumed)"),
    "--fargate-launch-s": ("fargate_launch_s", float, "seconds to start a Fargate task (assumed)"),
}


@dataclass(frozen=True)
class Output:
    path: Path
    text: str


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.capacity",
        description=(
            "Render the capacity model (docs/capacity.md) from the pipeline bench's results and write the workers' "
            f"scaling targets into cdk.json ({SCALING_CONTEXT_KEY}). A bench file other than the committed copy is "
            "copied to it, so the document regenerates offline. Inputs not given as flags are the ones the existing "
            "document recorded, else the defaults."
        ),
    )
    parser.add_argument(
        "--bench", type=Path, default=DEFAULT_BENCH, help=f"bench results JSON (default {DEFAULT_BENCH})"
    )
    parser.add_argument(
        "--bench-copy",
        type=Path,
        default=DEFAULT_BENCH,
        help=f"committed copy of the bench used (default {DEFAULT_BENCH})",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the document (default {DEFAULT_OUT})")
    parser.add_argument(
        "--context", type=Path, default=DEFAULT_CONTEXT, help=f"cdk.json to update (default {DEFAULT_CONTEXT})"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the document, cdk.json or the bench copy differ from what would be written",
    )
    defaults = Inputs()
    group = parser.add_argument_group("model inputs")
    for flag, (name, kind, text) in _INPUT_FLAGS.items():
        group.add_argument(flag, dest=name, type=kind, default=None, help=f"{text} (default {getattr(defaults, name)})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        outputs = _outputs(args)
    except (BenchError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = [output for output in outputs if _read(output.path) != output.text]
    if args.check:
        for output in stale:
            print(f"{output.path} is out of date with the capacity model", file=sys.stderr)
        if stale:
            print(
                "regenerate with `python -m devtools.capacity` (or `make capacity` to rerun the bench)", file=sys.stderr
            )
            return 1
        print("capacity model, document and cdk.json agree")
        return 0
    for output in stale:
        output.path.parent.mkdir(parents=True, exist_ok=True)
        output.path.write_text(output.text, encoding="utf-8")
        print(f"wrote {output.path}")
    return 0


def _outputs(args: argparse.Namespace) -> list[Output]:
    overrides = {name: getattr(args, name) for name, _, _ in _INPUT_FLAGS.values() if getattr(args, name) is not None}
    inputs = inputs_from(_read(args.out), overrides)
    raw = read_bench(args.bench)
    model = build_model(parse_bench(raw, where=str(args.bench)), inputs)
    targets = model.scaling_targets
    print(", ".join(f"{key} {value}" for key, value in targets.items()))
    context = _read(args.context)
    if context is None:
        raise ValueError(f"{args.context}: not found (the CDK app's cdk.json)")
    return [
        Output(args.bench_copy, bench_text(raw)),
        Output(args.out, render(model, bench_path=args.bench_copy.as_posix())),
        Output(args.context, context_text(context, targets)),
    ]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
