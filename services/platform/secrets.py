"""Settings from AWS Secrets Manager at start-up: FILOT_SECRETS names, per setting, a secret and a JSON field.

The stacks hand a Lambda (which cannot take ECS secrets) FILOT_SECRETS = JSON `{setting: {"secretArn", "field"}}`;
any entry point given it resolves it the same way, through `get_settings()`, before the settings are read.
Values never reach a log line or an error message: only setting names, secret ARNs and field names do.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from services.platform.errors import FilotError

SECRETS_VARIABLE = "FILOT_SECRETS"

log = logging.getLogger("filot.secrets")


class SecretUnavailable(FilotError):
    """A secret named in FILOT_SECRETS could not be read or lacks its field; the message names, never shows."""

    code = "secret_unavailable"


def load_secret_settings(
    environ: MutableMapping[str, str] | None = None,
    *,
    fetch: Callable[[str], str] | None = None,
) -> list[str]:
    """Set each setting named in FILOT_SECRETS from its secret's JSON field; a value already set wins.

    ``fetch(secret_arn) -> SecretString`` defaults to Secrets Manager through boto3 (its default credentials,
    region and endpoint, so AWS_ENDPOINT_URL_SECRETS_MANAGER reaches a test server). Each secret is read once.
    Returns the names of the settings it set.
    """
    environ = os.environ if environ is None else environ
    spec = environ.get(SECRETS_VARIABLE)
    if not spec:
        return []
    references = _parsed_spec(spec)
    fetch = fetch or _secrets_manager_fetch()
    documents: dict[str, dict[str, Any]] = {}
    loaded: list[str] = []
    for setting, (arn, field) in references.items():
        if environ.get(setting):
            continue
        if arn not in documents:
            documents[arn] = _document(setting, arn, fetch)
        value = documents[arn].get(field)
        if value is None or isinstance(value, (dict, list)) or value == "":
            raise SecretUnavailable(
                f"{setting}: the secret {arn} has no value in field {field!r}; put it there (see docs/infrastructure.md)"
            )
        environ[setting] = str(value)
        loaded.append(setting)
    if loaded:
        log.info("settings loaded from Secrets Manager: %s (secrets: %s)", ", ".join(loaded), ", ".join(documents))
    return loaded


def _parsed_spec(spec: str) -> dict[str, tuple[str, str]]:
    try:
        raw = json.loads(spec)
        return {str(name): (str(ref["secretArn"]), str(ref["field"])) for name, ref in raw.items()}
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError):
        raise FilotError(
            f'{SECRETS_VARIABLE} must be JSON {{"FILOT_X": {{"secretArn": ..., "field": ...}}}}', code="invalid_setting"
        ) from None


def _document(setting: str, arn: str, fetch: Callable[[str], str]) -> dict[str, Any]:
    try:
        text = fetch(arn)
    except SecretUnavailable as exc:
        raise SecretUnavailable(f"{setting}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any failure to read is reported by kind, never by content
        raise SecretUnavailable(f"{setting}: cannot read the secret {arn}: {_reason(exc)}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        # `from None` also drops the decoder's error, whose `doc` holds the secret text.
        raise SecretUnavailable(
            f"{setting}: the secret {arn} does not hold a JSON object yet; put it there (see docs/infrastructure.md)"
        ) from None
    return document


def _reason(exc: Exception) -> str:
    """The AWS error code (AccessDeniedException, ResourceNotFoundException...) or the exception's type."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def _secrets_manager_fetch() -> Callable[[str], str]:
    client: Any = None

    def fetch(arn: str) -> str:
        nonlocal client
        if client is None:
            import boto3  # type: ignore[import-untyped,unused-ignore]

            client = boto3.client("secretsmanager")
        with _sdk_debug_silenced():
            response = client.get_secret_value(SecretId=arn)
        if "SecretString" not in response:
            raise SecretUnavailable(f"the secret {arn} holds binary data, not a JSON string")
        return str(response["SecretString"])

    return fetch


@contextmanager
def _sdk_debug_silenced() -> Iterator[None]:
    """botocore logs whole response bodies at DEBUG, which here is the secret: hold it at INFO while reading."""
    logger = logging.getLogger("botocore")
    previous = logger.level
    if logger.getEffectiveLevel() < logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(previous)
