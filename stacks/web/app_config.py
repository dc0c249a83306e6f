"""The shape of the web app's ``config.json`` (read by web/src/config.ts), in one place for the stages'
(``python -m stacks.web_config``) and the local server's (``python -m devtools webapp``). Plain Python: the local
server imports it without the CDK."""

from __future__ import annotations

from typing import Any

# What the app asks the identity provider for: who the user is, and a refresh token to stay signed in.
OIDC_SCOPE = "openid profile offline_access"


def dev_sign_in(api_url: str) -> dict[str, Any]:
    """The API's development sign-in (X-Dev-User), which the app accepts only for an API on loopback."""
    return {"apiUrl": api_url.rstrip("/"), "auth": {"mode": "dev"}}


def oidc_sign_in(api_url: str, *, authority: str, client_id: str) -> dict[str, Any]:
    return {
        "apiUrl": api_url.rstrip("/"),
        "auth": {"mode": "oidc", "authority": authority, "clientId": client_id, "scope": OIDC_SCOPE},
    }
