"""Lambda entry points: `scheduled` runs the reconciler and publishes the queue lengths and dead letters once a minute; `api` serves the API via Mangum.

Both run from the backend image (entry point `python -m awslambdaric`, handler `services.processes.lambda_handlers.<name>`).
A Lambda cannot take ECS secrets, so the stack hands it FILOT_SECRETS, JSON `{setting: {"secretArn", "field"}}`,
and the first call of a container reads those fields from Secrets Manager into the environment
(services/platform/secrets.py, through `get_settings()`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from services.core.lifecycle import Status
from services.platform.metrics import (
    DEAD_LETTERS,
    DEPENDENCY,
    DEPENDENCY_UP,
    PUBLISHED_QUEUES,
    QUEUE,
    QUEUE_LENGTH,
    SCHEDULER_NAMESPACE,
    emit,
)
from services.platform.secrets import SECRETS_VARIABLE, load_secret_settings

if TYPE_CHECKING:
    from services.wiring import Components

__all__ = ["PUBLISHED_QUEUES", "SECRETS_VARIABLE", "api", "load_secret_settings", "scheduled"]

_components: Components | None = None
_api_handler: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None


def _get_components() -> Components:
    global _components
    if _components is None:
        load_secret_settings()
        _configure_logging("scheduler")
        from services.platform.settings import get_settings
        from services.wiring import build_components

        _components = build_components(get_settings())
    return _components


def _configure_logging(service: str) -> None:
    """On Lambda only: swap the runtime's plain-text handler for the masked JSON one (tests keep theirs)."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        from services.platform.logs import configure_logging
        from services.platform.settings import get_settings

        settings = get_settings()
        configure_logging(service, settings.log_level, settings.log_format)


def scheduled(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every minute (EventBridge): whether Redis and the database answer (filot.dependency.up), the GPU, CPU and
    BULI2 queue lengths and the dead letters (documents failed after every attempt) as EMF first, then one
    reconciler pass (it emits its recoveries), then one retention pass (images and personal data past their
    period). Dependencies first: with Redis down the lengths cannot be read, and
    the alarm should say why. Lengths before the reconciler: the worker scaling and the queue alarms read them, and
    a reconciler that raises must not take them along (the error still fails the run, which scheduler-errors counts).

    Returns the dependency probe, every length, the dead letters and the reconciler's report.
    """
    components = _get_components()
    dependencies = _publish_dependencies(components)
    lengths: dict[str, Any] = components.queue.lengths()
    for key, queue in PUBLISHED_QUEUES.items():
        emit(SCHEDULER_NAMESPACE, QUEUE_LENGTH, lengths[key], dimensions={QUEUE: queue})
    dead = _dead_letters(components)
    report = _reconcile(components)
    retention = _retention(components)
    webhooks = _webhooks(components)
    return {
        **lengths,
        "dependencies": dependencies,
        "dead_letters": dead,
        "reconciled": report,
        "retention": retention,
        "webhooks": webhooks,
    }


def _webhooks(components: Components) -> dict[str, int]:
    """Result webhooks due for another attempt, and the dead-letter gauge (services/application/webhooks.py)."""
    from datetime import UTC, datetime

    from services.application.webhooks import deliver_due

    return deliver_due(components, now=datetime.now(UTC))


def _retention(components: Components) -> dict[str, int]:
    """Images and personal data past their retention period deleted (services/application/retention.py)."""
    from datetime import UTC, datetime

    from services.application.retention import apply_retention

    return apply_retention(components, now=datetime.now(UTC)).to_json()


def _publish_dependencies(components: Components) -> dict[str, str]:
    from services.application.dependencies import OK, probe_dependencies

    checks = probe_dependencies(components)
    for dependency, state in checks.items():
        emit(SCHEDULER_NAMESPACE, DEPENDENCY_UP, 1 if state == OK else 0, dimensions={DEPENDENCY: dependency})
        if state != OK:
            logging.getLogger("filot.scheduler").warning("dependency down: %s (%s)", dependency, state)
    return checks


def _dead_letters(components: Components) -> int | None:
    """The failed documents (the dead letters), emitted as a gauge; None when the database did not answer."""
    try:
        dead = components.store.count_by_status()[Status.FAILED]
    except Exception:  # the queue lengths are out already; the next minute tries again
        logging.getLogger("filot.scheduler").warning("dead letters not counted", exc_info=True)
        return None
    emit(SCHEDULER_NAMESPACE, DEAD_LETTERS, dead)
    return dead


def _reconcile(components: Components) -> dict[str, Any]:
    from services.processes.reconciler import Reconciler
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
        _configure_logging("api-lambda")
        from mangum import Mangum  # type: ignore[import-not-found,unused-ignore]

        from services.api.app import create_app

        _api_handler = Mangum(create_app(), lifespan="off")
    return _api_handler(event, context)
