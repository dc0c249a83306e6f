"""services/platform/secrets.py against Secrets Manager in a moto server: FILOT_SECRETS becomes settings at start-up,
and every failure is `secret_unavailable`, naming the setting and the secret, never showing a value."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

from devtools.devservers import free_port
from services.platform.errors import FilotError
from services.platform.secrets import SecretUnavailable, load_secret_settings
from services.platform.settings import get_settings
from tests.moto_server import MotoServer

R2 = {
    "endpoint_url": "https://account.r2.example",
    "access_key_id": "AKIDR2EXAMPLEKEY",
    "secret_access_key": "r2-secret-value-do-not-log",
}
SERVICE_KEY = "service-key-value-do-not-log"
SECRET_VALUES = (R2["access_key_id"], R2["secret_access_key"], SERVICE_KEY)
SETTINGS = ("FILOT_S3_ENDPOINT_URL", "FILOT_R2_ACCESS_KEY_ID", "FILOT_R2_SECRET_ACCESS_KEY", "FILOT_SERVICE_KEY")


@pytest.fixture
def arns(moto: MotoServer) -> dict[str, str]:
    client = moto.client("secretsmanager")
    return {
        name: client.create_secret(Name=f"filot-test/{name}", SecretString=value)["ARN"]
        for name, value in {
            "r2": json.dumps(R2),
            "service-key": json.dumps({"key": SERVICE_KEY}),
            "placeholder": "generated-random-placeholder",
            "empty": json.dumps({}),
            "list": json.dumps([SERVICE_KEY]),
        }.items()
    }


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings the loader sets in os.environ are removed again after the test (setenv remembers them absent)."""
    for name in SETTINGS:
        monkeypatch.setenv(name, "")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def spec(**references: tuple[str, str]) -> str:
    return json.dumps({name: {"secretArn": arn, "field": field} for name, (arn, field) in references.items()})


def assert_nothing_secret(text: str) -> None:
    for value in SECRET_VALUES:
        assert value not in text


def test_get_settings_resolves_filot_secrets_from_secrets_manager(
    arns: dict[str, str], clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clean_env.setenv(
        "FILOT_SECRETS",
        spec(
            FILOT_S3_ENDPOINT_URL=(arns["r2"], "endpoint_url"),
            FILOT_R2_ACCESS_KEY_ID=(arns["r2"], "access_key_id"),
            FILOT_R2_SECRET_ACCESS_KEY=(arns["r2"], "secret_access_key"),
            FILOT_SERVICE_KEY=(arns["service-key"], "key"),
        ),
    )
    with caplog.at_level(logging.DEBUG):
        settings = get_settings()
    assert settings.s3_endpoint_url == R2["endpoint_url"]
    assert settings.r2_access_key_id is not None and settings.r2_access_key_id.get_secret_value() == R2["access_key_id"]
    assert settings.r2_secret_access_key is not None
    assert settings.r2_secret_access_key.get_secret_value() == R2["secret_access_key"]
    assert settings.service_key == SERVICE_KEY
    assert_nothing_secret(caplog.text)
    assert_nothing_secret(repr(settings.r2_secret_access_key))  # SecretStr shows '**********'
    assert "FILOT_R2_SECRET_ACCESS_KEY" in caplog.text and arns["r2"] in caplog.text  # names and ARNs only


def test_each_secret_is_read_once_and_a_value_already_set_wins(arns: dict[str, str], moto: MotoServer) -> None:
    env = {
        "FILOT_SECRETS": spec(
            FILOT_R2_ACCESS_KEY_ID=(arns["r2"], "access_key_id"),
            FILOT_R2_SECRET_ACCESS_KEY=(arns["r2"], "secret_access_key"),
            FILOT_SERVICE_KEY=(arns["service-key"], "key"),
        ),
        "FILOT_SERVICE_KEY": "set-by-the-operator",
    }
    fetched: list[str] = []
    client = moto.client("secretsmanager")

    def fetch(arn: str) -> str:
        fetched.append(arn)
        return str(client.get_secret_value(SecretId=arn)["SecretString"])

    assert load_secret_settings(env, fetch=fetch) == ["FILOT_R2_ACCESS_KEY_ID", "FILOT_R2_SECRET_ACCESS_KEY"]
    assert env["FILOT_R2_SECRET_ACCESS_KEY"] == R2["secret_access_key"]
    assert env["FILOT_SERVICE_KEY"] == "set-by-the-operator"
    assert fetched == [arns["r2"]]


def test_no_filot_secrets_reads_nothing() -> None:
    env: dict[str, str] = {}
    assert load_secret_settings(env, fetch=lambda arn: pytest.fail("fetched")) == []
    assert env == {}


@pytest.mark.parametrize(
    ("secret", "field", "says"),
    [
        ("placeholder", "key", "does not hold a JSON object"),
        ("list", "key", "does not hold a JSON object"),
        ("empty", "key", "has no value in field 'key'"),
        ("r2", "no_such_field", "has no value in field 'no_such_field'"),
        ("unknown", "key", "ResourceNotFoundException"),
    ],
)
def test_an_unusable_secret_is_named_never_shown(
    arns: dict[str, str], caplog: pytest.LogCaptureFixture, secret: str, field: str, says: str
) -> None:
    arn = arns.get(secret, "arn:aws:secretsmanager:us-east-1:123456789012:secret:filot-test/missing-AbCdEf")
    env = {"FILOT_SECRETS": spec(FILOT_SERVICE_KEY=(arn, field))}
    with caplog.at_level(logging.DEBUG), pytest.raises(SecretUnavailable) as caught:
        load_secret_settings(env)
    error = caught.value
    assert error.code == "secret_unavailable"
    assert says in error.message and "FILOT_SERVICE_KEY" in error.message and arn in error.message
    # no chained decoder or SDK error that could hold the text
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    assert_nothing_secret(error.message + caplog.text)
    assert "FILOT_SERVICE_KEY" not in env


def test_access_denied_is_secret_unavailable() -> None:
    def denied(arn: str) -> str:
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "GetSecretValue"
        )

    env = {"FILOT_SECRETS": spec(FILOT_SERVICE_KEY=("arn:aws:secretsmanager:x:1:secret:k", "key"))}
    with pytest.raises(SecretUnavailable, match="FILOT_SERVICE_KEY: cannot read the secret .*AccessDeniedException"):
        load_secret_settings(env, fetch=denied)


def test_unreachable_secrets_manager_is_secret_unavailable(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    env = {"FILOT_SECRETS": spec(FILOT_SERVICE_KEY=("arn:aws:secretsmanager:x:1:secret:k", "key"))}
    with pytest.raises(SecretUnavailable, match="EndpointConnectionError"):
        load_secret_settings(env)


@pytest.mark.parametrize("bad", ["not json", '{"FILOT_X": "arn-only"}', '{"FILOT_X": {"secretArn": "a"}}'])
def test_a_malformed_filot_secrets_is_an_invalid_setting(bad: str) -> None:
    with pytest.raises(FilotError) as caught:
        load_secret_settings({"FILOT_SECRETS": bad}, fetch=lambda arn: "{}")
    assert caught.value.code == "invalid_setting"
