"""services/processes/lambda_handlers.py: the scheduled handler prints one EMF line per queue from a real Redis, secrets
are read from FILOT_SECRETS at cold start, and the API handler serves an API Gateway HTTP API event."""

from __future__ import annotations

import json
from typing import Any

import cv2
import numpy as np
import pytest
import redis

from services.adapters.queue import QueueKeys
from services.core.lifecycle import Status
from services.platform.errors import FilotError
from services.platform.settings import Settings, get_settings
from services.processes import lambda_handlers
from tests.moto_server import MotoServer


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    monkeypatch.setattr(lambda_handlers, "_components", None)
    monkeypatch.setattr(lambda_handlers, "_api_handler", None)
    for name, value in {
        "FILOT_REDIS_URL": settings.redis_url,
        "FILOT_DATABASE_URL": settings.database_url,
        "FILOT_STORAGE_URL": settings.storage_url,
        "FILOT_STAGE": "local",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_scheduled_prints_one_emf_line_per_queue_and_the_dead_letters(
    fresh: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = QueueKeys.for_prefix(fresh.redis_prefix)
    client = redis.Redis.from_url(fresh.redis_url)
    client.rpush(keys.gpu_queue, "a", "b", "c")
    client.lpush(keys.cpu_queue, "x")
    from services.wiring import build_components

    store = build_components(fresh).store
    store.create(
        doc_id="d" * 32, owner="u", doc_type="ktp", object_key="k", content_type="image/png",
        size_bytes=1, sha256="0" * 64, correlation_id="c",
    )
    assert store.transition("d" * 32, Status.QUEUED, actor="test")
    assert store.transition("d" * 32, Status.FAILED, actor="test", error_code="attempts_exhausted")
    lengths = lambda_handlers.scheduled({}, None)
    assert (lengths["gpu"], lengths["cpu"], lengths["dead_letters"]) == (3, 1, 1)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for line in lines:
        assert isinstance(line["_aws"].pop("Timestamp"), int)

    assert lines == [  # dependencies, then the lengths: a reconciler that raised could not take them along
        emf("filot.dependency.up", 1, {"Dependency": "redis"}, unit="None"),
        emf("filot.dependency.up", 1, {"Dependency": "database"}, unit="None"),
        *(emf("filot.queue_length", n, {"Queue": queue}) for queue, n in (("GPU", 3), ("CPU", 1), ("BULI2", 0))),
        emf("filot.dead_letters", 1, {}),
        emf("filot.reconciler.recoveries", 1, {"Kind": "republished"}),  # the failure's result was not published yet
        emf("filot.webhook.dead_letters", 0, {}),  # then retention (nothing due) and the result webhooks
    ]


def emf(name: str, value: int, dimensions: dict[str, str], *, unit: str = "Count") -> dict[str, Any]:
    metric = {"Name": name, "Unit": unit}
    directive = {"Namespace": "FiLot/Scheduler", "Dimensions": [list(dimensions)], "Metrics": [metric]}
    return {"_aws": {"CloudWatchMetrics": [directive]}, **dimensions, name: value}


def test_with_redis_down_the_scheduler_says_so_before_it_fails(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from devtools.devservers import free_port

    monkeypatch.setenv("FILOT_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    get_settings.cache_clear()
    with pytest.raises(redis.ConnectionError):  # the run fails (scheduler-errors), the lengths cannot be read
        lambda_handlers.scheduled({}, None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for line in lines:
        line["_aws"].pop("Timestamp")
    assert lines == [
        emf("filot.dependency.up", 0, {"Dependency": "redis"}, unit="None"),
        emf("filot.dependency.up", 1, {"Dependency": "database"}, unit="None"),
    ]


def test_secrets_are_read_once_per_secret_and_set_values_win() -> None:
    env = {
        "FILOT_SECRETS": json.dumps(
            {
                "FILOT_BULI2_URL": {"secretArn": "arn:buli2", "field": "url"},
                "FILOT_BULI2_API_KEY": {"secretArn": "arn:buli2", "field": "api_key"},
                "FILOT_REDIS_URL": {"secretArn": "arn:redis", "field": "url"},
            }
        ),
        "FILOT_REDIS_URL": "redis://already-set/0",
    }
    fetched: list[str] = []

    def fetch(arn: str) -> str:
        fetched.append(arn)
        return json.dumps({"url": "https://buli2.example", "api_key": "k"})

    lambda_handlers.load_secret_settings(env, fetch=fetch)
    assert (env["FILOT_BULI2_URL"], env["FILOT_BULI2_API_KEY"]) == ("https://buli2.example", "k")
    assert env["FILOT_REDIS_URL"] == "redis://already-set/0"
    assert fetched == ["arn:buli2"]


@pytest.mark.parametrize(
    ("secret", "message"),
    [("random-placeholder", "does not hold a JSON object yet"), ("{}", "has no value in field 'url'")],
)
def test_an_unfilled_secret_is_named(secret: str, message: str) -> None:
    env = {"FILOT_SECRETS": json.dumps({"FILOT_DATABASE_URL": {"secretArn": "arn:db", "field": "url"}})}
    with pytest.raises(FilotError, match=f"FILOT_DATABASE_URL: the secret arn:db {message}") as caught:
        lambda_handlers.load_secret_settings(env, fetch=lambda arn: secret)
    assert caught.value.code == "secret_unavailable"


def test_cold_start_reads_filot_secrets_from_secrets_manager(
    fresh: Settings, moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stack's FILOT_SECRETS, resolved on the first call through the default boto3 client (moto server)."""
    arn = moto.client("secretsmanager").create_secret(
        Name="filot-test/service-key", SecretString=json.dumps({"key": "from-secrets-manager"})
    )["ARN"]
    monkeypatch.setenv("FILOT_SERVICE_KEY", "")  # unset; the loader's value is removed after the test
    monkeypatch.setenv("FILOT_SECRETS", json.dumps({"FILOT_SERVICE_KEY": {"secretArn": arn, "field": "key"}}))
    lambda_handlers.scheduled({}, None)
    assert get_settings().service_key == "from-secrets-manager"


def test_api_serves_an_http_api_event(fresh: Settings) -> None:
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/health",
        "rawQueryString": "",
        "headers": {"host": "api.example"},
        "requestContext": {
            "accountId": "1",
            "apiId": "x",
            "domainName": "api.example",
            "domainPrefix": "api",
            "http": {
                "method": "GET",
                "path": "/health",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "t",
            },
            "requestId": "r",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 0,
        },
        "isBase64Encoded": False,
    }
    response = lambda_handlers.api(event, object())
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["redis"] == "ok"


def test_scheduled_runs_the_reconciler(fresh: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from services.wiring import build_components

    components = build_components(fresh)
    components.store.create(
        doc_id="a" * 32, owner="u", doc_type="ktp", object_key="k", content_type="image/png",
        size_bytes=1, sha256="0" * 64, correlation_id="c",
    )
    components.store.transition("a" * 32, Status.QUEUED, actor="api")
    redis.Redis.from_url(fresh.redis_url).flushall()  # Redis lost the queue
    import sqlalchemy as sa

    from services.adapters.database import documents

    with components.store.engine.begin() as conn:  # and the document has sat there past the deadline
        conn.execute(documents.update().values(updated_at=sa.func.datetime("now", "-1 hour")))
    result = lambda_handlers.scheduled({}, None)
    assert result["reconciled"]["enqueued"] == 1
    assert result["gpu"] == 0  # the length published before the pass
    assert components.queue.lengths()["gpu"] == 1  # the pass put it back


def test_the_queue_lengths_are_published_even_when_the_reconciler_fails(
    fresh: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker scaling and the queue alarms read the lengths: a reconciler that raises fails the run (counted by
    scheduler-errors) after they are out, not instead of them."""

    def broken(components: object) -> dict[str, object]:
        raise RuntimeError("the database went away mid-pass")

    monkeypatch.setattr(lambda_handlers, "_reconcile", broken)
    with pytest.raises(RuntimeError, match="mid-pass"):
        lambda_handlers.scheduled({}, None)
    published = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [line.get("Queue") for line in published if "filot.queue_length" in line] == ["GPU", "CPU", "BULI2"]


def test_api_serves_a_rest_api_v1_event(fresh: Settings) -> None:
    event: dict[str, Any] = {
        "resource": "/{proxy+}",
        "path": "/health",
        "httpMethod": "GET",
        "headers": {"Host": "api.example"},
        "multiValueHeaders": {"Host": ["api.example"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": "health"},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}", "httpMethod": "GET", "path": "/prod/health", "stage": "prod",
            "requestId": "r", "identity": {"sourceIp": "127.0.0.1"}, "accountId": "1", "apiId": "x",
        },
        "body": None,
        "isBase64Encoded": False,
    }
    response = lambda_handlers.api(event, object())
    assert response["statusCode"] == 200
    assert response["headers"]["x-content-type-options"] == "nosniff"


def test_api_takes_a_base64_multipart_upload_through_http_api_v2(fresh: Settings) -> None:
    import base64

    from tests.services.api.helpers import png_bytes

    boundary = "filotboundary"
    image = png_bytes()
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nktp\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.png\"\r\n"
        "Content-Type: image/png\r\n\r\n"
    ).encode() + image + f"\r\n--{boundary}--\r\n".encode()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/v1/documents",
        "rawQueryString": "",
        "headers": {
            "host": "api.example",
            "content-type": f"multipart/form-data; boundary={boundary}",
            "content-length": str(len(body)),
            "x-dev-user": "lambda-user",
        },
        "requestContext": {
            "accountId": "1", "apiId": "x", "domainName": "api.example", "domainPrefix": "api",
            "http": {"method": "POST", "path": "/v1/documents", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "t"},
            "requestId": "r", "routeKey": "$default", "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0,
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }
    response = lambda_handlers.api(event, object())
    assert response["statusCode"] == 202, response["body"]
    doc_id = json.loads(response["body"])["id"]
    from services.wiring import build_components

    stored = build_components(fresh)
    record = stored.store.get(doc_id)
    assert record is not None
    # Stored is the re-encoded copy (services/api/uploads.py): the same pixels, not the same bytes.
    decoded = [cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) for data in (image, stored.objects.get(record.object_key))]
    assert decoded[0].shape == decoded[1].shape and (decoded[0] == decoded[1]).all()
