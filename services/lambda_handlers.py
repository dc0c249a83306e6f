"""Lambda entry points: `scheduled` runs the reconciler and publishes the queue lengths once a minute; `api` serves the API via Mangum.

Both run from the backend image (entry point `python -m awslambdaric`, handler `services.lambda_handlers.<name>`).
A Lambda cannot take ECS secrets, so the stack hands it FILOT_SECRETS, JSON `{setting: {"secretArn", "field"}}`,
and the first call of a container reads those fields from Secrets Manager into the environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from services.metrics import QUEUE_LENGTH, SCHEDULER_NAMESPACE, emf_line

if TYPE_CHECKING:
    from services.wiring import Components

SECRETS_VARIABLE = "FILOT_SECRETS"
# lengths() keys -> the Queue dimension values of DESIGN.md.
PUBLISHED_QUEUES = {"gpu": "GPU", "cpu": "CPU", "buli2": "BULI2"}

_components: Components | None = None
_api_handler: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None


def load_secret_settings(
    environ: MutableMapping[str, str] | None = None,
    *,
    fetch: Callable[[str], str] | None = None,
) -> None:
    """Set each setting named in FILOT_SECRETS from its secret's JSON field; a value already set wins.

    ``fetch(secret_arn) -> SecretString`` defaults to Secrets Manager through boto3 (imported only here).
    """
    environ = os.environ if environ is None else environ
    spec = environ.get(SECRETS_VARIABLE)
    if not spec:
        return
    fetch = fetch or _secrets_manager_fetch()
    documents: dict[str, dict[str, Any]] = {}
    for setting, reference in json.loads(spec).items():
        if environ.get(setting):
            continue
        arn, field = reference["secretArn"], reference["field"]
        if arn not in documents:
            try:
                documents[arn] = json.loads(fetch(arn))
            except json.JSONDecodeError:
                raise ValueError(
                    f"{setting}: the secret {arn} does not hold JSON yet; put it there (see docs/infrastructure.md)"
                ) from None
        if field not in documents[arn]:
            raise KeyError(
                f"{setting}: the secret {arn} has no field {field!r}; put it there (see docs/infrastructure.md)"
            )
        environ[setting] = str(documents[arn][field])


def _secrets_manager_fetch() -> Callable[[str], str]:
    client: Any = None

    def fetch(arn: str) -> str:
        nonlocal client
        if client is None:
            import boto3  # type: ignore[import-untyped,import-not-found,unused-ignore]  # only on Lambda

            client = boto3.client("secretsmanager")
        return str(client.get_secret_value(SecretId=arn)["SecretString"])

    return fetch


def _get_components() -> Components:
    global _components
    if _components is None:
        load_secret_settings()
        from services.settings import get_settings
        from services.wiring import build_components

        _components = build_components(get_settings())
    return _components


def scheduled(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every minute (EventBridge): one reconciler pass, then the GPU and CPU queue lengths as EMF.

    Returns every length and the reconciler's report.
    """
    components = _get_components()
    report = _reconcile(components)
    lengths: dict[str, Any] = components.queue.lengths()
    for key, queue in PUBLISHED_QUEUES.items():
        print(emf_line(SCHEDULER_NAMESPACE, QUEUE_LENGTH, lengths[key], unit="Count", dimensions={"Queue": queue}), flush=True)
    return {**lengths, "reconciled": report}


def _reconcile(components: Components) -> dict[str, Any]:
    from services.reconciler import Reconciler
    from services.wiring import build_buli2

    settings = components.settings
    buli2 = build_buli2(settings)
    try:
        return Reconciler(components, buli2).run_once().to_json()
    finally:
        buli2.close()


def api(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The FastAPI app behind API Gateway's HTTP API, through Mangum (built on the first call)."""
    global _api_handler
    if _api_handler is None:
        load_secret_settings()
        from mangum import Mangum  # type: ignore[import-not-found,unused-ignore]

        from services.api.app import create_app

        _api_handler = Mangum(create_app(), lifespan="off")
    return _api_handler(event, context)
