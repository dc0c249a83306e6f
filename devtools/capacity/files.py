"""What the capacity command reads and writes: the bench file, its committed copy, and cdk.json's context."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devtools.capacity.bench import MEASURED_ON_KEY, BenchError
from devtools.capacity.model import SCALING_CONTEXT_KEY

# filot:scaling goes next to the task-count ranges it works with when cdk.json does not have it yet.
_INSERT_AFTER = "filot:cpuWorkerMax"


def read_bench(path: Path) -> dict[str, Any]:
    """The bench JSON with ``measured_on`` set (from the file's modification date when the bench did not say)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchError(
            f"{path}: no bench results; run `python -m tests.bench.bench_pipeline` (or `make capacity`)"
        ) from None
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path}: not JSON ({exc})") from None
    if isinstance(data, dict) and not data.get(MEASURED_ON_KEY):
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        data[MEASURED_ON_KEY] = modified.date().isoformat()
    return data


def bench_text(data: Mapping[str, Any]) -> str:
    """The committed copy's text (docs/capacity-bench.json), keys in the bench's order."""
    return json.dumps(data, indent=2) + "\n"


def context_text(cdk_json: str, targets: Mapping[str, int]) -> str:
    """``cdk_json`` with its context's ``filot:scaling`` set to ``targets``; everything else kept in order."""
    document = json.loads(cdk_json)
    context = document.get("context")
    if not isinstance(context, dict):
        raise ValueError('cdk.json has no "context" object to hold the scaling targets')  # noqa: TRY004 - a bad file
    if SCALING_CONTEXT_KEY in context or _INSERT_AFTER not in context:
        context[SCALING_CONTEXT_KEY] = dict(targets)
    else:
        items = list(context.items())
        at = [key for key, _ in items].index(_INSERT_AFTER) + 1
        items.insert(at, (SCALING_CONTEXT_KEY, dict(targets)))
        document["context"] = dict(items)
    return json.dumps(document, indent=2) + "\n"
