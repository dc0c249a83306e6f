"""The reviewer page in a real headless Chromium: a middle-band document is escalated, a person approves it
with a click, and the API shows the final decision with the reviewer in its audit trail."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devtools.buli2_standin import create_reviewer_app
from services.api.app import create_app
from services.core.lifecycle import Status
from services.platform.settings import Settings
from services.wiring import build_buli2, build_components
from tests.browser import chromium, needs_chromium
from tests.conftest import ServerThread
from tests.services.worker_helpers import ENGINE, sample, submit

pytestmark = needs_chromium


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    driver = chromium(tmp_path / "chromium")
    yield driver
    driver.quit()


def test_a_person_approves_an_escalated_document_in_the_reviewer_page(
    settings: Settings, serve: Callable[[object], ServerThread], sample_dir: Path, browser: object
) -> None:
    from selenium.webdriver.common.by import By

    api = serve(create_app(components=build_components(settings)))
    manual = settings.model_copy(update={"reviewer_auto_decide_s": None, "api_url": api.url})
    reviewer = serve(create_reviewer_app(manual))
    components = build_components(manual.model_copy(update={"buli2_url": reviewer.url}))
    doc = submit(components, sample(sample_dir, "invalid_nik").read_bytes())
    from services.processes.worker import Worker

    Worker(path="gpu", components=components, engine=ENGINE, buli2=build_buli2(components.settings)).process_one()
    assert components.store.get(doc).status is Status.ESCALATED  # type: ignore[union-attr]

    browser.get(f"{reviewer.url}/")  # type: ignore[attr-defined]
    row = browser.find_element(By.XPATH, f"//tr[.//code[text()='{doc}']]")  # type: ignore[attr-defined]
    assert "nik_birth_date_contradicts" in row.text and "*" in row.text  # the reasons, and the fields masked
    image = row.find_element(By.TAG_NAME, "img")
    assert browser.execute_script("return arguments[0].naturalWidth", image) > 0  # type: ignore[attr-defined]
    row.find_element(By.CSS_SELECTOR, "button[value='approved']").click()

    deadline = time.monotonic() + 15
    while components.store.get(doc).status is not Status.APPROVED and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.1)
    assert components.store.get(doc).status is Status.APPROVED  # type: ignore[union-attr]
    assert components.store.history(doc)[-1]["actor"] == "buli2:local-reviewer"
    assert "approved by local-reviewer (delivered)" in browser.page_source  # type: ignore[attr-defined]
