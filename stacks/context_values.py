"""Typed values from CDK context, which holds JSON from cdk.json and strings from `cdk -c key=value`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"


def text(context: Mapping[str, object], key: str) -> str | None:
    """A string, or None when absent or empty."""
    value = context.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        # A bare number in cdk.json (e.g. an account id) would lose leading zeros; insist on a string.
        raise ValueError(f"{key} is {value!r} ({type(value).__name__}): it must be a string")  # noqa: TRY004 - a bad setting, as every other
    return value


def whole_number(context: Mapping[str, object], key: str, *, default: int) -> int:
    """An int, from a JSON number or a string of digits; range checks are the caller's."""
    value = context.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    raise ValueError(f"{key} is {value!r}: it must be a whole number")


def flag(context: Mapping[str, object], key: str, *, default: bool = False) -> bool:
    """A boolean, from JSON true/false or the strings "true"/"false"; absent means ``default``."""
    value = context.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{key} is {value!r}: it must be true or false")


def json_value(context: Mapping[str, object], key: str) -> object:
    """A list or object; from the command line it arrives as JSON text (`-c 'filot:environment={...}'`)."""
    value = context.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"{key} is {value!r}: it must be JSON") from None
    return value


def command_line_context(stage: str, pairs: Sequence[str], *, cdk_json: Path = CDK_JSON) -> dict[str, Any]:
    """cdk.json's context with ``key=value`` pairs over it and the stage set: what `cdk -c` would see, for the
    command-line tools beside the app (preflight, the web app's config) so they read the same stage config."""
    context: dict[str, Any] = dict(json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {}))
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator:
            raise SystemExit(f"error: -c {pair!r}: give it as key=value")
        context[key] = value
    context["filot:stage"] = stage
    return context
