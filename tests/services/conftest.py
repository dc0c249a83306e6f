"""Fixtures shared by the services tests: the API, the BULI2 stand-in and a BULI2 client, wired together."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from devtools.buli2_standin import create_reviewer_app
from services.adapters.buli2 import Buli2Client
from services.api.app import create_app
from services.platform.settings import Settings
from services.wiring import Components, build_components
from tests.conftest import ServerThread


@pytest.fixture
def parts(settings: Settings, serve: Callable[[object], ServerThread]) -> Iterator[tuple[Components, Buli2Client]]:
    api = serve(create_app(components=build_components(settings)))
    reviewer = serve(create_reviewer_app(settings))
    wired = settings.model_copy(update={"api_url": api.url, "buli2_url": reviewer.url})
    components = build_components(wired)
    components.reviewer_app = reviewer  # type: ignore[attr-defined]
    client = Buli2Client(base_url=reviewer.url, api_key=wired.buli2_api_key, timeout_s=5)
    yield components, client
    client.close()
