"""Correlation ids and access lines: each request is bound to one correlation id for all its log lines.

The id comes from the caller's X-Correlation-Id when it is well-formed (so a client, a gateway or BULI2
can follow its own request through our logs), else a fresh one; it is echoed on the response. One access
line per request names the route template, never the raw path or query string (signed links carry
their signature there, and a raw path can carry anything a caller typed), and one EMF line times it
(filot.http.request_duration_ms).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.platform.logs import bind_task, current_correlation_id
from services.platform.metrics import BACKEND_NAMESPACE, HTTP_REQUEST_DURATION_MS, emit

HEADER = "X-Correlation-Id"
_HEADER_KEY = HEADER.lower().encode()
_VALID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def correlation_id_from(value: str | None) -> str:
    """The caller's id when it is 8-64 characters of letters, digits, - and _; otherwise a new one
    (a malformed id would let a caller inject text into every log line of its request)."""
    return value if value is not None and _VALID.fullmatch(value) else uuid.uuid4().hex


def current_or_new_correlation_id() -> str:
    """The id bound to this request (set by CorrelationMiddleware); a fresh one outside a request."""
    return current_correlation_id() or uuid.uuid4().hex


class CorrelationMiddleware:
    """Outermost ASGI middleware: binds the correlation id, echoes it, and writes the access line.

    `timed`: emit the request's duration as the API's metric (off for the local BULI2 stand-in, not ours).
    """

    def __init__(self, app: ASGIApp, *, logger: str = "filot.api", timed: bool = True) -> None:
        self.app = app
        self.log = logging.getLogger(logger)
        self.timed = timed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = next((value for name, value in scope.get("headers", []) if name.lower() == _HEADER_KEY), None)
        correlation_id = correlation_id_from(raw.decode("latin-1") if raw is not None else None)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != _HEADER_KEY]
                headers.append((_HEADER_KEY, correlation_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        # Not reset on the way out: the app's error handler and the server log an unhandled exception
        # outside this middleware, still inside the request's own task (see bind_task).
        bind_task(correlation_id=correlation_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            self._access(scope, 500, started, exc_info=True)
            raise
        self._access(scope, status, started)

    def _access(self, scope: Scope, status: int, started: float, *, exc_info: bool = False) -> None:
        duration_ms = (time.perf_counter() - started) * 1000
        if self.timed:
            emit(BACKEND_NAMESPACE, HTTP_REQUEST_DURATION_MS, duration_ms)
        route = scope.get("route")
        path = getattr(route, "path", None) or "(no route)"
        level = logging.ERROR if exc_info else logging.WARNING if status >= 500 else logging.INFO
        if path == "/health" and level == logging.INFO:
            level = logging.DEBUG  # polled every few seconds by load balancers and the demo
        self.log.log(
            level,
            "request %s %s %d",
            scope.get("method", "-"),
            path,
            status,
            exc_info=exc_info,
            extra={
                "method": scope.get("method"),
                "path": path,
                "status": status,
                "duration_ms": duration_ms,
            },
        )
