"""Schemathesis against the app's own OpenAPI schema, over real HTTP: no generated input may produce a 5xx, an
undocumented status, or a response that breaks the schema. Bounded (derandomized, a fixed number of
examples per operation and mode) so CI time stays flat."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.api.app import create_app
from services.platform.settings import Settings
from services.wiring import build_components
from tests.conftest import ServerThread

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def api_server(settings: Settings, serve: Callable[[object], ServerThread]) -> ServerThread:
    roomy = settings.model_copy(update={"rate_limit_user_per_minute": 100_000, "rate_limit_address_per_minute": 100_000})
    return serve(create_app(components=build_components(roomy)))


def fuzz(
    operation: schemathesis.APIOperation, mode: GenerationMode, *, base_url: str, headers: dict[str, str]
) -> int:
    """Up to 40 generated requests for one operation, each checked against the schema; how many were sent.

    Positive cases follow the schema (they reach the handlers); negative ones break it (they test the refusals).
    """
    sent: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def call(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=base_url, headers={**headers, **(case.headers or {})}, checks=CHECKS)
        sent.append(response.status_code)

    try:
        call()
    except Unsatisfiable:
        # Nothing in this operation's schema can be broken (e.g. one free-form path parameter): no negatives.
        assert mode is GenerationMode.NEGATIVE, f"no valid request could be generated for {operation.path}"
    return len(sent)


def test_no_generated_request_breaks_the_api(api_server: ServerThread, settings: Settings) -> None:
    schema = schemathesis.openapi.from_dict(httpx.get(f"{api_server.url}/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7  # the schema really lists the API's routes
    for operation in operations:
        # Each operation is called as the caller it is for: review routes by BULI2's key, the rest by a user.
        service = operation.path.startswith("/v1/review")
        headers = {"X-Service-Key": settings.service_key} if service else {"X-Dev-User": "fuzzer"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent = fuzz(operation, mode, base_url=api_server.url, headers=headers)
            print(f"{operation.method.upper()} {operation.path} {mode.value}: {sent} generated requests")
