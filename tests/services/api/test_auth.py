"""JWT bearer auth against a real loopback JWKS server serving keys this test generated: the good token,
then every forgery a user of the API could try."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.api.app import create_app
from services.platform.settings import Settings
from services.wiring import build_components
from tests.conftest import ServerThread
from tests.services.api.conftest import AUDIENCE, ISSUER, new_key
from tests.services.api.helpers import token


@pytest.fixture
def api(settings: Settings, serve: Callable[[object], ServerThread], jwks: tuple[str, list[int]]) -> httpx.Client:
    configured = settings.model_copy(
        update={"stage": "production", "dev_auth": None, "jwt_jwks_url": jwks[0], "jwt_issuer": ISSUER,
                "jwt_audience": AUDIENCE}
    )
    return httpx.Client(base_url=serve(create_app(components=build_components(configured))).url, timeout=30)




def read(api: httpx.Client, bearer: str) -> httpx.Response:
    return api.get("/v1/documents/" + "0" * 32, headers={"Authorization": f"Bearer {bearer}"})


def test_a_valid_token_identifies_the_user(api: httpx.Client, signing_key: rsa.RSAPrivateKey) -> None:
    # Authenticated: the missing document answers 404, not 401.
    assert read(api, token(signing_key)).json()["error"]["code"] == "document_not_found"


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def unsigned(claims_token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode()).rstrip(b"=").decode()
    return f"{header}.{claims_token.split('.')[1]}."


@pytest.mark.parametrize(
    ("forge", "code"),
    [
        ("other_key", "invalid_token"),  # signed by a key the IdP never published, claiming its kid
        ("expired", "token_expired"),
        ("wrong_audience", "invalid_token"),
        ("wrong_issuer", "invalid_token"),
        ("no_subject", "invalid_token"),
        ("no_expiry", "invalid_token"),
        ("alg_none", "invalid_token"),
        ("hs256_with_public_key", "invalid_token"),  # the classic RS/HS confusion
        ("unknown_kid", "invalid_token"),
        ("garbage", "invalid_token"),
    ],
)
def test_forged_tokens_are_refused(api: httpx.Client, signing_key: rsa.RSAPrivateKey, forge: str, code: str) -> None:
    bearer = {
        "other_key": lambda: token(new_key()),
        "expired": lambda: token(signing_key, exp=int(time.time()) - 3600),
        "wrong_audience": lambda: token(signing_key, aud="someone-else"),
        "wrong_issuer": lambda: token(signing_key, iss="https://evil.example"),
        "no_subject": lambda: token(signing_key, sub=None),
        "no_expiry": lambda: token(signing_key, exp=None),
        "alg_none": lambda: unsigned(token(signing_key)),
        "hs256_with_public_key": lambda: _hs_confusion(signing_key),
        "unknown_kid": lambda: token(signing_key, kid="k9"),
        "garbage": lambda: "not.a.jwt",
    }[forge]()
    response = read(api, bearer)
    assert response.status_code == 401 and response.json()["error"]["code"] == code, response.text


def _hs_confusion(key: rsa.RSAPrivateKey) -> str:
    import hashlib
    import hmac

    now = int(time.time())
    segments = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
        for part in ({"alg": "HS256", "kid": "k1", "typ": "JWT"},
                     {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": now + 300})
    ]
    signing_input = b".".join(segments)
    signature = base64.urlsafe_b64encode(hmac.new(public_pem(key), signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


def test_dev_auth_is_refused_where_jwt_is_configured_outside_local(api: httpx.Client) -> None:
    response = api.get("/v1/documents/" + "0" * 32, headers={"X-Dev-User": "alice"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def test_unknown_kids_do_not_hammer_the_identity_provider(
    api: httpx.Client, signing_key: rsa.RSAPrivateKey, jwks: tuple[str, list[int]]
) -> None:
    read(api, token(signing_key))  # first use fetches the key set
    before = len(jwks[1])
    for n in range(5):
        assert read(api, token(signing_key, kid=f"forged-{n}")).status_code == 401
    assert len(jwks[1]) - before <= 1  # at most one refetch a minute


def test_a_users_token_reads_only_their_documents(api: httpx.Client, signing_key: rsa.RSAPrivateKey) -> None:
    from tests.services.api.helpers import png_bytes

    upload = api.post(
        "/v1/documents",
        files={"file": ("c.png", png_bytes())},
        data={"type": "ktp"},
        headers={"Authorization": f"Bearer {token(signing_key, sub='alice')}"},
    )
    assert upload.status_code == 202
    doc = upload.json()["id"]
    mine = api.get(f"/v1/documents/{doc}", headers={"Authorization": f"Bearer {token(signing_key, sub='alice')}"})
    theirs = api.get(f"/v1/documents/{doc}", headers={"Authorization": f"Bearer {token(signing_key, sub='bob')}"})
    assert mine.status_code == 200 and theirs.status_code == 404


def test_symmetric_or_none_algorithms_cannot_be_configured(settings: Settings) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="asymmetric"):
        Settings(_env_file=None, jwt_algorithms=["HS256"])  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="FILOT_JWT_ISSUER"):
        Settings(_env_file=None, jwt_jwks_url="https://idp/jwks.json")  # type: ignore[call-arg]


@pytest.mark.parametrize("subject", ["s" * 129, "alice\x00", "alice\nadmin"])
def test_a_subject_that_cannot_be_an_owner_is_refused(
    api: httpx.Client, signing_key: rsa.RSAPrivateKey, subject: str
) -> None:
    """The subject becomes the owner column (128 wide; Postgres refuses a NUL): refused at the door, not a 500."""
    response = read(api, token(signing_key, sub=subject))
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


def test_the_widest_subject_is_an_owner(api: httpx.Client, signing_key: rsa.RSAPrivateKey) -> None:
    assert read(api, token(signing_key, sub="s" * 128)).json()["error"]["code"] == "document_not_found"
