"""probe_dependencies: do Redis and the database answer? The one readiness check, for /health and the scheduler.

Readiness, not liveness: a dependency that does not answer makes the API unable to serve, but not a task worth
replacing (a new task would meet the same Redis). So /health reports it (503), the load balancer never asks it
(/health/live), and the scheduled function publishes it each minute as filot.dependency.up for the dependency-down
alarm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis

if TYPE_CHECKING:
    from services.wiring import Components

OK = "ok"


def probe_dependencies(components: Components) -> dict[str, str]:
    """``{"redis": "ok" | "error: <type>", "database": ...}``: the exception's type only (never its text, which
    may hold a connection string)."""
    checks: dict[str, str] = {}
    try:
        components.queue.redis.ping()
        checks["redis"] = OK
    except redis.RedisError as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    try:
        components.store.ping()
        checks["database"] = OK
    except Exception as exc:  # noqa: BLE001 - readiness reports any database failure
        checks["database"] = f"error: {type(exc).__name__}"
    return checks
