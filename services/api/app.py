"""The FastAPI application factory: settings and adapters are injected, so tests build their own."""

from __future__ import annotations

import threading

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from PIL import Image

from services.api.auth import JwtVerifier
from services.api.correlation import CorrelationMiddleware
from services.api.deps import ComponentsDep
from services.api.errors import UnexpectedErrors, install_error_handlers
from services.api.headers import SecurityHeaders
from services.api.limits import BodySizeLimit
from services.api.ratelimit import RateLimiter
from services.api.routes import direct_uploads, document_list, documents, me, metrics, review
from services.api.schemas import Health
from services.application.dependencies import OK, probe_dependencies
from services.platform.settings import Settings, get_settings
from services.wiring import Components, build_components

# Multipart framing around the file; the file itself is capped by max_upload_bytes.
_FORM_OVERHEAD_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, components: Components | None = None) -> FastAPI:
    settings = settings or (components.settings if components else get_settings())
    # BULI2's credential, the callback HMAC and the image-link signature: the API checks all three.
    settings.require_keys("service_key", "callback_key", "link_key")
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels  # Pillow refuses bigger images as bombs
    # The interactive docs and the schema map every route and field for whoever asks: served in the local stage
    # only; a client team reads the schema from a local run (http://127.0.0.1:8000/openapi.json).
    local = settings.stage == "local"
    app = FastAPI(
        title="FiLot document verification",
        version="0.1.0",
        docs_url="/docs" if local else None,
        redoc_url="/redoc" if local else None,
        openapi_url="/openapi.json" if local else None,
    )
    app.state.components = components or build_components(settings)
    install_error_handlers(app)
    app.add_middleware(UnexpectedErrors)  # innermost: a 500 still passes through CORS and the security headers
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes + _FORM_OVERHEAD_BYTES)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            # The web app (app.filot.id) uploads with an Idempotency-Key and erases with DELETE (its privacy page).
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Dev-User", "X-Correlation-Id", "Idempotency-Key"],
            expose_headers=["X-Correlation-Id", "Retry-After", "Location"],
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)  # outermost: every response, errors included
    app.add_middleware(CorrelationMiddleware)  # around everything: every log line of a request has its id
    components = app.state.components
    if settings.jwt_jwks_url:
        app.state.jwt_verifier = JwtVerifier(
            jwks_url=settings.jwt_jwks_url,
            issuer=settings.jwt_issuer or "",
            audience=settings.jwt_audience or "",
            algorithms=settings.jwt_algorithms,
        )
    app.state.rate_limiter = RateLimiter(components.queue.redis, prefix=settings.redis_prefix)
    app.state.decode_slots = threading.BoundedSemaphore(settings.upload_decode_slots)
    app.include_router(documents.router)
    app.include_router(direct_uploads.router)
    app.include_router(document_list.router)
    app.include_router(review.router)
    app.include_router(me.router)
    app.include_router(metrics.router)

    @app.get("/health/live", tags=["health"], response_model=Health)
    def live() -> dict[str, str]:
        """The process answers: what the load balancer asks (no dependency is touched, so a Redis or database blip
        does not take every API task out of service; /health reports those)."""
        return {"status": "ok"}

    @app.get("/health", tags=["health"], response_model=Health, responses={503: {"model": Health, "description": "a dependency is down"}})
    def health(components: ComponentsDep) -> JSONResponse:
        checks = probe_dependencies(components)
        healthy = all(value == OK for value in checks.values())
        return JSONResponse({"status": "ok" if healthy else "degraded", **checks}, status_code=200 if healthy else 503)

    return app
