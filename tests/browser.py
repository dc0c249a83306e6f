"""Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium, for the pages people use: the
reviewer's page and the web app. One set of flags for both, so a flag that matters is set once."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.components import reason

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason=reason("no chromium/chromedriver (Debian packages chromium, chromium-driver)")
)


def chromium(
    profile: Path, *, flags: Sequence[str] = (), window: tuple[int, int] = (1280, 900), language: str = "en-US"
) -> Any:
    """A fresh headless browser with its own profile folder; the caller quits it. Browser console messages are
    kept (get_log("browser")), so a test can see a Content-Security-Policy violation."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}", f"--lang={language}", *flags,
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
