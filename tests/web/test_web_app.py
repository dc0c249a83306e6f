"""A person at the web app, in a real browser, against the real local platform: sign in, photograph or choose a
card, see the app's own checks and the server's capture advice, retake, follow the document to a decision, appeal
an automatic rejection, export and erase their data. Every main screen passes axe-core with no serious violation,
and no page breaks its Content-Security-Policy (the browser fixture checks the console)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import needs_chromium
from tests.web.conftest import LocalPlatform, axe_violations, wait_for

pytestmark = [needs_chromium, pytest.mark.slow, pytest.mark.xdist_group("web-app")]
FINAL = ("approved", "rejected", "failed")


class WebApp:
    """What a person does, in the words of the screen (English chosen; Indonesian is the default)."""

    def __init__(self, driver: Any, platform: LocalPlatform) -> None:
        from selenium.webdriver.common.by import By

        self.driver, self.platform, self.by = driver, platform, By

    def find(self, css: str) -> Any:
        return wait_for(lambda: self.driver.find_element(self.by.CSS_SELECTOR, css), what=css)

    def button(self, text: str) -> Any:
        xpath = f"//button[normalize-space()='{text}'] | //label[contains(@class,'button')][normalize-space()='{text}']"
        return wait_for(lambda: self.driver.find_element(self.by.XPATH, xpath), what=f"the button {text!r}")

    def text(self) -> str:
        return str(self.driver.find_element(self.by.TAG_NAME, "body").text)

    def open(self) -> None:
        self.driver.get(self.platform.web_url + "/")
        self.button("English").click()

    def sign_in(self, user: str) -> None:
        self.open()
        self.find("#dev-user").send_keys(user)
        self.button("Sign in").click()
        wait_for(lambda: "Signed in as" in self.text(), what="signed in")

    def choose_photo(self, path: Path, doc_type: str = "ktp") -> None:
        self.find(f"input[type=radio][value={doc_type}]").click()
        self.find("#photo-file").send_keys(str(path))
        wait_for(lambda: self.driver.find_elements(self.by.CSS_SELECTOR, ".client-checks"), what="the photo's checks")

    def client_hints(self) -> list[str]:
        return [e.get_attribute("data-code") for e in self.driver.find_elements(self.by.CSS_SELECTOR, ".client-checks li")]

    def send(self) -> None:
        buttons = self.driver.find_elements(self.by.XPATH, "//button[normalize-space()='Send' or normalize-space()='Send anyway']")
        buttons[0].click()
        self.find("#document-title")

    def status(self) -> str:
        return str(self.find("[data-status]").get_attribute("data-status"))

    def wait_final(self, timeout: float = 90.0) -> str:
        return str(wait_for(lambda: (s := self.status()) in FINAL and s, timeout=timeout, what="a decision"))

    def server_hints(self) -> list[str]:
        return [e.get_attribute("data-code") for e in self.driver.find_elements(self.by.CSS_SELECTOR, ".capture-advice li")]

    def confirm(self, typed: str | None = None) -> None:
        dialog = self.find("dialog[open]")
        if typed is not None:
            dialog.find_element(self.by.TAG_NAME, "input").send_keys(typed)
        dialog.find_element(self.by.XPATH, ".//button[normalize-space()='Confirm']").click()

    def assert_accessible(self, screen: str) -> None:
        violations = axe_violations(self.driver)
        assert not violations, f"{screen}: {violations}"

    def screenshot(self, name: str) -> None:
        """README's screenshots: FILOT_WEB_SCREENSHOTS=docs/screenshots writes each main screen there."""
        import os

        folder = os.environ.get("FILOT_WEB_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            size = self.driver.get_window_size()
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(size["width"], max(size["height"], height + 140))  # the whole screen
            self.driver.save_screenshot(str(Path(folder) / f"{name}.png"))
            self.driver.set_window_size(size["width"], size["height"])


def api_documents(platform: LocalPlatform, user: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{platform.api_url}/v1/documents", headers={"X-Dev-User": user}, timeout=10)
    return list(response.json()["documents"])


@pytest.fixture
def app(browser: Any, platform: LocalPlatform) -> WebApp:
    return WebApp(browser, platform)


def test_a_bad_photo_gets_advice_a_retake_and_a_good_one_is_approved(app: WebApp, sample_dir: Path) -> None:
    app.open()
    app.assert_accessible("sign-in")
    app.screenshot("sign-in")
    app.sign_in("web-alice")
    app.assert_accessible("capture")

    # A dark photo with no card: the app warns before upload, the server then says what is wrong with it.
    app.choose_photo(sample_dir / "ektp-no_card-01.jpg")
    assert "too_dark" in app.client_hints()
    app.screenshot("capture-checks")
    app.send()
    assert app.wait_final() == "rejected"
    assert "card_not_found" in app.server_hints()
    assert "No card in the photo" in app.text()
    reasons = app.find(".reasons").text
    assert "card_not_found" not in reasons and "Check " not in reasons  # advice above, and every reason in words
    app.assert_accessible("decision with capture advice")
    app.screenshot("capture-advice")
    app.button("Retake").click()

    # The retake: a clean card, which the app finds fine and the platform approves.
    app.find("#capture-title")
    app.choose_photo(sample_dir / "ektp-clean-01.jpg")
    assert app.client_hints() == [] and "The photo looks good." in app.text()
    app.send()
    assert app.wait_final() == "approved"
    page = app.text()
    assert "Approved" in page and "The NIK follows the rules" in page
    assert "Check " not in app.find(".reasons").text
    nik = json.loads((sample_dir / "ektp-clean-01.json").read_text())["fields"]["nik"]
    shown = app.find("dd[data-field=nik]").text
    assert shown.startswith(nik[:4]) and shown.endswith(nik[-4:]) and "•" in shown
    assert nik not in app.driver.page_source  # masked in the page, not only hidden by style
    app.assert_accessible("decision")
    app.screenshot("decision")

    # Nothing about the person or their document went into the address bar or into storage a script could read.
    assert app.driver.current_url == app.platform.web_url + "/"
    stored = app.driver.execute_script("return JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert stored == "[{},{}]"
    assert [d["status"] for d in api_documents(app.platform, "web-alice")] == ["approved", "rejected"]


def test_the_camera_films_a_card_that_reaches_a_decision(app: WebApp) -> None:
    app.sign_in("web-camera")
    app.button("Use the camera").click()
    wait_for(lambda: app.driver.execute_script("return document.querySelector('video')?.videoWidth") == 1920, what="the camera")
    app.find(".guide")  # the card-shaped guide over the viewfinder
    app.assert_accessible("camera")
    app.screenshot("camera")
    app.button("Take the photo").click()
    wait_for(lambda: app.driver.find_elements(app.by.CSS_SELECTOR, ".client-checks"), what="the photo's checks")
    assert app.client_hints() == []  # a sharp, well-lit frame at 1920x1080
    app.send()
    assert app.wait_final() in ("approved", "rejected")
    assert app.find("dd[data-field=nik]").text.count("•") == 8


def test_an_automatic_rejection_is_appealed_and_a_person_decides(app: WebApp, sample_dir: Path) -> None:
    app.sign_in("web-appeal")
    app.choose_photo(sample_dir / "ektp-blank-01.jpg")
    app.send()
    assert app.wait_final() == "rejected"
    app.find("#appeal-note").send_keys("This is my card; the photo was taken in a hurry.")
    app.assert_accessible("appeal")
    app.screenshot("appeal")
    app.button("Send the appeal").click()
    wait_for(lambda: "Appeal sent" in app.text(), what="the appeal's confirmation")
    # The local BULI2 decides after a second; the page keeps following the document to that decision.
    assert app.wait_final(timeout=120) in ("approved", "rejected")
    wait_for(lambda: "by a reviewer" in app.text(), what="the reviewer's step in the history")
    assert not app.driver.find_elements(app.by.ID, "appeal-note")  # once only: the person's decision is final


def test_export_then_erase_a_document_then_the_whole_account(app: WebApp, sample_dir: Path) -> None:
    app.sign_in("web-rights")
    for card in ("ktp-clean-01.png", "npwp-clean-01.png"):
        app.button("Send a document").click()
        app.choose_photo(sample_dir / card, doc_type="npwp" if card.startswith("npwp") else "ktp")
        app.send()
        app.wait_final()

    app.button("My documents").click()
    wait_for(lambda: len(app.driver.find_elements(app.by.CSS_SELECTOR, ".documents li")) == 2, what="two documents")
    app.assert_accessible("documents")
    app.screenshot("documents")

    app.button("Privacy").click()
    app.button("Download my data").click()
    wait_for(lambda: "Your data was downloaded (2 documents)" in app.text(), what="the export")
    exported = wait_for(lambda: list(app.driver.downloads.glob("filot-data-*.json")), what="the downloaded file")
    data = json.loads(exported[0].read_text())
    assert data["owner"] == "web-rights" and len(data["documents"]) == 2
    app.assert_accessible("privacy")
    app.screenshot("privacy")

    # One document erased from its own screen, after a confirmation.
    app.button("My documents").click()
    app.find(".documents li button").click()
    app.button("Delete this document").click()
    app.assert_accessible("confirmation")
    # Focus starts on the safe choice: Enter at once cancels, it does not erase.
    assert app.driver.switch_to.active_element.text == "Cancel"
    app.confirm()
    wait_for(lambda: len(app.driver.find_elements(app.by.CSS_SELECTOR, ".documents li")) == 1, what="one document left")
    assert len(api_documents(app.platform, "web-rights")) == 1

    # The whole account: Confirm stays disabled until the word is typed.
    app.button("Privacy").click()
    app.button("Delete all my data").click()
    confirm = app.find("dialog[open]").find_element(app.by.XPATH, ".//button[normalize-space()='Confirm']")
    assert not confirm.is_enabled()
    assert app.driver.switch_to.active_element.tag_name == "input"  # focus on the word to type
    app.confirm(typed="DELETE")
    wait_for(lambda: "1 documents deleted. You are signed out." in app.text(), what="the sign-out notice")
    assert api_documents(app.platform, "web-rights") == []


@pytest.mark.browser_language("id-ID")
def test_an_indonesian_browser_gets_indonesian_and_a_non_photo_is_refused_in_it(app: WebApp, sample_dir: Path, tmp_path: Path) -> None:
    app.driver.get(app.platform.web_url + "/")
    wait_for(lambda: "Masuk" in app.text(), what="the Indonesian sign-in")
    assert app.driver.execute_script("return document.documentElement.lang") == "id"
    app.find("#dev-user").send_keys("web-budi")
    app.button("Masuk").click()
    # A file that is not a photo: the app refuses it before any upload, in the person's language.
    not_a_photo = tmp_path / "kartu.txt"
    not_a_photo.write_text("not an image")
    app.find("#photo-file").send_keys(str(not_a_photo))
    wait_for(lambda: "Hanya foto JPEG atau PNG" in app.text(), what="the refusal")
    assert not app.find("button.primary").is_enabled()
    assert api_documents(app.platform, "web-budi") == []


@pytest.mark.no_camera
def test_without_a_camera_the_file_picker_remains_and_every_screen_fits_small_and_large_screens(
    app: WebApp, sample_dir: Path
) -> None:
    app.sign_in("web-sizes")
    app.button("Use the camera").click()
    wait_for(lambda: "No camera is available on this device" in app.text(), what="the no-camera message")
    app.button("Choose a photo").click()  # the way forward without a camera: the file picker
    app.find("#photo-file")
    app.button("Use the camera").click()
    wait_for(lambda: "No camera is available" in app.text(), what="the no-camera message again")
    app.button("Send a document").click()  # navigating to the screen again starts it over
    app.choose_photo(sample_dir / "ktp-clean-01.png")  # a document, so the list below has a row to lay out
    app.send()
    for width, height in ((320, 640), (1280, 800)):  # a small phone, a laptop
        app.driver.set_window_size(width, height)
        for screen, loaded in (("Send a document", "#photo-file"), ("My documents", ".documents li"), ("Privacy", "h1")):
            app.button(screen).click()
            app.find(loaded)
            # Arriving on a screen puts focus on its heading (the button pressed may be gone).
            assert app.driver.switch_to.active_element.tag_name == "h1"
            overflow = app.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{screen} scrolls sideways by {overflow} px at {width} px"
        app.assert_accessible(f"privacy at {width} px")


def test_the_app_is_served_with_its_security_headers(platform: LocalPlatform) -> None:
    page = httpx.get(platform.web_url + "/", timeout=10)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert f"connect-src 'self' {platform.api_url}" in policy
    assert page.headers["x-frame-options"] == "DENY" and page.headers["referrer-policy"] == "no-referrer"
    assert "<script type=\"module\"" in page.text and "<script>" not in page.text  # no inline script to allow
    # The API admits the app's origin and no other.
    for origin, allowed in ((platform.web_url, True), ("https://evil.example", False)):
        answer = httpx.get(f"{platform.api_url}/health/live", headers={"Origin": origin}, timeout=10)
        assert ("access-control-allow-origin" in answer.headers) is allowed
