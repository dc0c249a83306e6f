"""The stage's sign-in path in a real browser: the app configured for an OpenID Connect provider (a stand-in: the
real one is hosted, tests/web/oidc_provider.py), the API trusting only that provider's tokens (development sign-in
off). Authorization code with PKCE, the code out of the address bar at once, the token kept in memory only and
renewed with the refresh token before it expires."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.devservers import Processes, free_port, local_environment, start_local_stack
from devtools.webapp import WEB_DIST
from services.adapters.database import DocumentStore
from tests.browser import chromium, needs_chromium
from tests.components import skip_missing
from tests.conftest import ServerThread
from tests.web.conftest import assert_no_csp_violation, axe_violations, wait_for
from tests.web.oidc_provider import AUDIENCE, CLIENT_ID, SUBJECT, ProviderLog, create_provider

pytestmark = [needs_chromium, pytest.mark.slow, pytest.mark.xdist_group("web-app")]
ACCESS_TTL_S = 65  # the app renews 60 s before expiry: a refresh within seconds of signing in


@pytest.fixture(scope="module")
def oidc_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, ProviderLog]]:
    if not (WEB_DIST / "index.html").is_file():
        skip_missing("the built web app (make web-build)")
    workdir = tmp_path_factory.mktemp("oidc-platform")
    (workdir / "logs").mkdir()
    ports = {name: free_port() for name in ("redis", "api", "reviewer", "web")}
    web_url, issuer = f"http://127.0.0.1:{ports['web']}", f"http://127.0.0.1:{free_port()}"
    app, log = create_provider(issuer=issuer, web_origin=web_url, access_ttl_s=ACCESS_TTL_S)
    provider = ServerThread(app, port=int(issuer.rsplit(":", 1)[1])).__enter__()
    env = {
        **local_environment(workdir, ports=ports, review_delay_s=1.0),
        "FILOT_DEV_AUTH": "false",
        "FILOT_JWT_JWKS_URL": f"{issuer}/jwks",
        "FILOT_JWT_ISSUER": issuer,
        "FILOT_JWT_AUDIENCE": AUDIENCE,
    }
    DocumentStore(env["FILOT_DATABASE_URL"])
    processes = Processes(workdir / "logs")
    try:
        start_local_stack(
            processes, env, redis_port=ports["redis"], redis_dir=workdir, workers=(("worker-cpu", "cpu"),),
            reconcile_every_s=None, web_port=ports["web"],
            web_args=("--oidc-authority", issuer, "--oidc-client-id", CLIENT_ID),
        )
        yield web_url, env["FILOT_API_URL"], log
    finally:
        processes.stop_all()
        provider.__exit__(None, None, None)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    driver = chromium(tmp_path / "chromium", window=(412, 915))
    try:
        yield driver
        assert_no_csp_violation(driver)  # the provider's origin is in connect-src, as the stage's policy puts it
    finally:
        driver.quit()


def test_sign_in_through_the_provider_keeps_the_token_in_memory_and_renews_it(
    browser: Any, oidc_platform: tuple[str, str, ProviderLog], sample_dir: Path
) -> None:
    from selenium.webdriver.common.by import By

    web_url, api_url, log = oidc_platform
    assert httpx.get(f"{api_url}/v1/documents", headers={"X-Dev-User": SUBJECT}).status_code == 401  # dev sign-in off
    browser.get(web_url + "/")
    wait_for(lambda: browser.find_element(By.XPATH, "//button[normalize-space()='English']"), what="the app").click()
    wait_for(lambda: browser.find_element(By.XPATH, "//button[normalize-space()='Sign in with your FiLot account']"),
             what="the provider's sign-in button").click()

    # Back from the provider: signed in, the code and state already gone from the address bar.
    wait_for(lambda: "Signed in as" in browser.find_element(By.TAG_NAME, "body").text, what="signed in")
    assert "Siti Aminah" in browser.find_element(By.CSS_SELECTOR, ".who").text
    assert browser.current_url == web_url + "/"
    assert log.grants[0] == "authorization_code"  # a renewal may already follow on a slow machine
    stored = browser.execute_script("return JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert "eyJ" not in stored and not any(token in stored for token in log.issued), stored  # no token in storage
    assert not axe_violations(browser)

    # The API accepts the provider's token: an upload in the browser belongs to the token's subject.
    browser.find_element(By.ID, "photo-file").send_keys(str(sample_dir / "ktp-clean-01.png"))
    wait_for(lambda: browser.find_element(By.XPATH, "//button[normalize-space()='Send']"), what="Send").click()
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "[data-status]"), what="the document's status")

    # Renewed with the refresh token before the access token expires, and the app keeps working on the new one.
    wait_for(lambda: "refresh_token" in log.grants, timeout=30, what="a refresh-token grant")
    browser.find_element(By.XPATH, "//button[normalize-space()='My documents']").click()
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, ".documents li")) == 1, what="the document listed")
    bearer = {"Authorization": f"Bearer {log.issued[-1]}"}
    owned = httpx.get(f"{api_url}/v1/documents", headers=bearer, timeout=10).json()["documents"]
    assert len(owned) == 1  # the subject of the renewed token owns what the browser uploaded

    # Signing out forgets the session: a reload shows the sign-in again (nothing kept to resume from).
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    wait_for(lambda: "Sign in with your FiLot account" in browser.find_element(By.TAG_NAME, "body").text
             or "Masuk dengan akun FiLot" in browser.find_element(By.TAG_NAME, "body").text, what="signed out")


def test_a_token_the_api_refuses_sends_the_person_back_to_sign_in_with_the_reason(
    browser: Any, oidc_platform: tuple[str, str, ProviderLog]
) -> None:
    """The renewed token is one the API will not take (here: meant for another audience): the app does not keep
    retrying it as a lost connection; it ends the session and says so."""
    from selenium.webdriver.common.by import By

    web_url, _api_url, log = oidc_platform
    log.audience = AUDIENCE
    browser.get(web_url + "/")
    wait_for(lambda: browser.find_element(By.XPATH, "//button[normalize-space()='English']"), what="the app").click()
    wait_for(lambda: browser.find_element(By.XPATH, "//button[normalize-space()='Sign in with your FiLot account']"),
             what="the sign-in button").click()
    wait_for(lambda: "Signed in as" in browser.find_element(By.TAG_NAME, "body").text, what="signed in")
    grants = len(log.grants)
    log.audience = "some-other-api"  # what the renewal, seconds from now, will hand out
    try:
        wait_for(lambda: len(log.grants) > grants, timeout=30, what="the renewal")
        browser.find_element(By.XPATH, "//button[normalize-space()='My documents']").click()
        wait_for(lambda: "Your session ended. Please sign in again." in browser.find_element(By.TAG_NAME, "body").text,
                 what="the sign-in screen with the reason")
        assert browser.find_elements(By.XPATH, "//button[normalize-space()='Sign in with your FiLot account']")
    finally:
        log.audience = AUDIENCE
