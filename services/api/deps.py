"""Request dependencies as Annotated aliases: settings, adapters, the calling user, the calling service."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from services.api.errors import ApiError
from services.api.ratelimit import client_address
from services.platform.settings import Settings
from services.wiring import Components


def get_components(request: Request) -> Components:
    return request.app.state.components  # type: ignore[no-any-return]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.components.settings  # type: ignore[no-any-return]


ComponentsDep = Annotated[Components, Depends(get_components)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def current_user(
    request: Request,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
    x_dev_user: Annotated[str | None, Header(alias="X-Dev-User")] = None,
    x_service_key: Annotated[str | None, Header(alias="X-Service-Key")] = None,
) -> str:
    """A verified JWT's subject; in the local stage with development auth on, X-Dev-User instead.

    A service key is refused here even when valid: services act on documents, never as a user (OWASP API5).
    """
    if x_service_key is not None:
        raise ApiError(403, "user_route", "this route is for users; a service key is not accepted here")
    verifier = getattr(request.app.state, "jwt_verifier", None)
    if authorization is not None and verifier is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "invalid_token", "send Authorization: Bearer <JWT>")
        return str(verifier.subject(token.strip()))
    if not settings.dev_auth_enabled:
        if verifier is not None:
            raise ApiError(401, "unauthenticated", "send Authorization: Bearer <JWT>")
        raise ApiError(
            401,
            "auth_not_configured",
            "no user authentication is configured for this stage (development auth is off)",
        )
    if not x_dev_user or not x_dev_user.replace("-", "").replace("_", "").isalnum() or len(x_dev_user) > 64:
        raise ApiError(401, "unauthenticated", "send X-Dev-User: <user id> (letters, digits, - and _)")
    return x_dev_user


def calling_service(
    settings: SettingsDep,
    x_service_key: Annotated[str | None, Header(alias="X-Service-Key")] = None,
    authorization: Annotated[str | None, Header()] = None,
    x_dev_user: Annotated[str | None, Header(alias="X-Dev-User")] = None,
) -> str:
    """The calling service, by its key; a user's credentials are refused on service routes (OWASP API5)."""
    if authorization is not None or x_dev_user is not None:
        raise ApiError(403, "service_route", "this route is for services; user credentials are not accepted here")
    if not x_service_key or not hmac.compare_digest(x_service_key.encode(), settings.service_key.encode()):
        raise ApiError(401, "invalid_service_key", "a valid X-Service-Key header is required")
    return "buli2"


UserDep = Annotated[str, Depends(current_user)]
ServiceDep = Annotated[str, Depends(calling_service)]


@dataclass(frozen=True)
class Caller:
    """Who is asking: a user (sees their own documents) or a service (sees any, in full)."""

    user: str | None = None
    service: str | None = None


def any_caller(
    request: Request,
    settings: SettingsDep,
    x_service_key: Annotated[str | None, Header(alias="X-Service-Key")] = None,
    authorization: Annotated[str | None, Header()] = None,
    x_dev_user: Annotated[str | None, Header(alias="X-Dev-User")] = None,
) -> Caller:
    if x_service_key is not None:
        if authorization is not None or x_dev_user is not None:
            raise ApiError(401, "ambiguous_credentials", "send either a service key or a user's credentials, not both")
        return Caller(service=calling_service(settings, x_service_key))
    return Caller(user=current_user(request, settings, authorization, x_dev_user))


CallerDep = Annotated[Caller, Depends(any_caller)]


def rate_limited_user(request: Request, user: UserDep, settings: SettingsDep) -> str:
    """The calling user, counted against the per-user and per-address limits."""
    limiter = request.app.state.rate_limiter
    limiter.check(f"user:{user}", limit=settings.rate_limit_user_per_minute)
    limiter.check(f"addr:{_address(request, settings)}", limit=settings.rate_limit_address_per_minute)
    return user


LimitedUserDep = Annotated[str, Depends(rate_limited_user)]


def _address(request: Request, settings: Settings) -> str:
    return client_address(
        request, trusted_hops=settings.trusted_proxy_hops, cloudflare=settings.cloudflare_ranges
    )


def rate_limited_caller(request: Request, caller: Annotated[Caller, Depends(any_caller)], settings: SettingsDep) -> Caller:
    """Any caller; a user's reads and lists counted against the read limits (per user and per address). Services
    (BULI2, the operators' tools) are not limited here: they hold a key, and their own quotas are theirs."""
    if caller.user is not None:
        limiter = request.app.state.rate_limiter
        limiter.check(f"read-user:{caller.user}", limit=settings.rate_limit_read_per_minute)
        limiter.check(f"read-addr:{_address(request, settings)}", limit=settings.rate_limit_read_per_minute * 2)
    return caller


LimitedCallerDep = Annotated[Caller, Depends(rate_limited_caller)]


def rate_limited_reader(request: Request, user: UserDep, settings: SettingsDep) -> str:
    """A user listing their documents, counted as a read."""
    return rate_limited_caller(request, Caller(user=user), settings).user or user


LimitedReaderDep = Annotated[str, Depends(rate_limited_reader)]
