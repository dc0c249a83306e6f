"""Bearer-token authentication: JWTs from the identity provider, verified against its JWKS.

Algorithms are pinned (RS256 by default, so an HS256 token signed with the public key, or `alg: none`, is
refused); issuer, audience, expiry and subject are required. Keys are cached; an unknown `kid` triggers
at most one JWKS refetch per `refetch_every_s`, so forged kids cannot hammer the identity provider.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
from jwt import PyJWKClient

from services.adapters.database import OWNER_MAX
from services.api.errors import ApiError


class JwtVerifier:
    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        algorithms: list[str],
        leeway_s: int = 30,
        refetch_every_s: float = 60.0,
    ) -> None:
        self._jwks = PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)
        self._issuer = issuer
        self._audience = audience
        self._algorithms = algorithms
        self._leeway_s = leeway_s
        self._refetch_every_s = refetch_every_s
        self._last_refetch = 0.0
        self._lock = threading.Lock()

    def subject(self, token: str) -> str:
        """The verified `sub` claim; ApiError 401 with a code for every failure."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise ApiError(401, "invalid_token", "the bearer token is not a JWT") from None
        if header.get("alg") not in self._algorithms:
            raise ApiError(401, "invalid_token", f"token algorithm must be one of {', '.join(self._algorithms)}")
        key = self._signing_key(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise ApiError(401, "token_expired", "the bearer token has expired") from None
        except jwt.PyJWTError as exc:
            raise ApiError(401, "invalid_token", f"the bearer token was refused: {exc}") from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise ApiError(401, "invalid_token", "the bearer token names no subject")
        # The subject becomes the documents' owner: it must fit the column and hold no control characters (a NUL
        # is refused by Postgres itself, which would be a 500 where SQLite stored it).
        if len(subject) > OWNER_MAX or not subject.isprintable():
            raise ApiError(401, "invalid_token", f"the bearer token's subject must be at most {OWNER_MAX} printable characters")
        return subject

    def _signing_key(self, kid: object) -> Any:
        if not isinstance(kid, str) or not kid:
            raise ApiError(401, "invalid_token", "the bearer token names no key (kid)")
        try:
            return self._cached(kid)
        except KeyError:
            pass
        with self._lock:
            if time.monotonic() - self._last_refetch < self._refetch_every_s:
                raise ApiError(401, "invalid_token", "the token's key is unknown")
            self._last_refetch = time.monotonic()
        try:
            return self._jwks.get_signing_key(kid).key
        except jwt.PyJWKClientError:
            raise ApiError(401, "invalid_token", "the token's key is unknown") from None

    def _cached(self, kid: str) -> object:
        for key in self._jwks.get_jwk_set().keys if self._last_refetch else []:
            if key.key_id == kid:
                return key.key
        raise KeyError(kid)
