"""JWT fixtures shared by the API tests: a signing key this test run generated and a real loopback JWKS server
serving its public half."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from tests.conftest import ServerThread

ISSUER, AUDIENCE = "https://auth.filot.test", "filot-api"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def jwks(serve: Callable[[object], ServerThread], signing_key: rsa.RSAPrivateKey) -> tuple[str, list[int]]:
    app = FastAPI()
    fetches: list[int] = []

    @app.get("/.well-known/jwks.json")
    def keys() -> dict[str, Any]:
        fetches.append(1)
        return {"keys": [jwk(signing_key, "k1")]}

    return f"{serve(app).url}/.well-known/jwks.json", fetches


