"""A minimal OpenID Connect provider for the web app's production sign-in path, in the tests only: the real one
(Stack Auth) is a hosted service that cannot run here. It does what the app and the API rely on and checks what a
real provider checks: discovery, authorization code with PKCE (S256 only), the redirect URI registered for the
client, refresh tokens, RS256 tokens verifiable with its JWKS. It signs everyone in as one person without a form."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException, Query
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse

AUDIENCE = "filot-api"
CLIENT_ID = "filot-web"
SUBJECT = "oidc-person-1"


@dataclass
class ProviderLog:
    """What the provider saw, for the tests to assert on."""

    grants: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    # Set by a test: the audience of the next tokens (a provider misconfigured, or a token meant for another API).
    audience: str = AUDIENCE


def create_provider(*, issuer: str, web_origin: str, access_ttl_s: int = 300) -> tuple[FastAPI, ProviderLog]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1", "alg": "RS256", "use": "sig"}
    codes: dict[str, dict[str, str]] = {}
    refresh_tokens: set[str] = set()
    log = ProviderLog()
    app = FastAPI()
    # The app's origin calls the token endpoint from the browser, as it would call Stack Auth's.
    app.add_middleware(CORSMiddleware, allow_origins=[web_origin], allow_methods=["GET", "POST"], allow_headers=["*"])

    def signed(claims: dict[str, Any]) -> str:
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    def tokens(nonce: str | None) -> dict[str, Any]:
        now = int(time.time())
        access = signed({"iss": issuer, "aud": log.audience, "sub": SUBJECT, "iat": now, "exp": now + access_ttl_s})
        identity = {"iss": issuer, "aud": CLIENT_ID, "sub": SUBJECT, "iat": now, "exp": now + 3600, "name": "Siti Aminah"}
        refresh = secrets.token_urlsafe(24)
        refresh_tokens.add(refresh)
        log.issued.append(access)
        return {
            "access_token": access,
            "id_token": signed({**identity, **({"nonce": nonce} if nonce else {})}),
            "token_type": "Bearer",
            "expires_in": access_ttl_s,
            "refresh_token": refresh,
            "scope": "openid profile offline_access",
        }

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [public]}

    @app.get("/authorize")
    def authorize(
        client_id: str, redirect_uri: str, response_type: str, state: str, code_challenge: str,
        code_challenge_method: str, nonce: str | None = Query(default=None),
    ) -> RedirectResponse:
        if client_id != CLIENT_ID or redirect_uri != f"{web_origin}/" or response_type != "code":
            raise HTTPException(400, "unknown client or redirect URI")
        if code_challenge_method != "S256":
            raise HTTPException(400, "PKCE S256 is required")
        code = secrets.token_urlsafe(16)
        codes[code] = {"challenge": code_challenge, "redirect_uri": redirect_uri, "nonce": nonce or ""}
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

    @app.post("/token")
    def token(
        grant_type: str = Form(), client_id: str = Form(), code: str | None = Form(default=None),
        code_verifier: str | None = Form(default=None), redirect_uri: str | None = Form(default=None),
        refresh_token: str | None = Form(default=None),
    ) -> dict[str, Any]:
        log.grants.append(grant_type)
        if client_id != CLIENT_ID:
            raise HTTPException(401, "unknown client")
        if grant_type == "authorization_code":
            grant = codes.pop(code or "", None)
            digest = hashlib.sha256((code_verifier or "").encode()).digest()
            if grant is None or base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                raise HTTPException(400, "invalid_grant")
            if redirect_uri != grant["redirect_uri"]:
                raise HTTPException(400, "redirect_uri differs")
            return tokens(grant["nonce"] or None)
        if grant_type == "refresh_token" and refresh_token in refresh_tokens:
            refresh_tokens.discard(refresh_token)  # rotated: each refresh token works once
            return tokens(None)
        raise HTTPException(400, "unsupported or invalid grant")

    @app.get("/logout")
    def logout(post_logout_redirect_uri: str | None = None) -> RedirectResponse:
        return RedirectResponse(post_logout_redirect_uri or f"{web_origin}/", status_code=302)

    return app, log
