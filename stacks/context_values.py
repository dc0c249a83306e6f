"""Typed values from CDK context, which holds JSON from cdk.json and strings from `cdk -c key=value`."""

from __future__ import annotations

import json
from collections.abc import Mapping


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
