"""The web app against the real local platform: redis-server, the API, both workers, the reconciler, the BULI2
stand-in and the built app (web/dist) on its own origin, each a process as `make run` starts them; a headless
Chromium per test, with a fake camera that films a sample card."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from devtools.devservers import Processes, free_port, local_environment, start_local_stack
from devtools.webapp import WEB_DIST
from services.adapters.database import DocumentStore
from tests.browser import chromium
from tests.components import skip_missing

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class LocalPlatform:
    web_url: str
    api_url: str
    workdir: Path


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    if not (WEB_DIST / "index.html").is_file() or not AXE.is_file():
        skip_missing("the built web app and its npm packages (make web-build)")
    workdir = tmp_path_factory.mktemp("web-platform")
    ports = {name: free_port() for name in ("redis", "api", "reviewer", "web")}
    # The reviewer decides by itself after a second, as a person at BULI2 would (later): an appeal gets its answer.
    env = local_environment(workdir, ports=ports, review_delay_s=1.0)
    DocumentStore(env["FILOT_DATABASE_URL"])
    (workdir / "logs").mkdir()
    processes = Processes(workdir / "logs")
    try:
        start_local_stack(processes, env, redis_port=ports["redis"], redis_dir=workdir, web_port=ports["web"])
        yield LocalPlatform(f"http://127.0.0.1:{ports['web']}", env["FILOT_API_URL"], workdir)
    finally:
        processes.stop_all()


def camera_film(photo: Path, out: Path) -> Path:
    """A one-frame Y4M video of `photo` letterboxed into 1920x1080, which Chromium's fake camera plays in a loop
    (--use-file-for-fake-video-capture): the camera path films a real sample card, not a test pattern."""
    image = cv2.imread(str(photo))
    scale = min(1920 / image.shape[1], 1080 / image.shape[0])
    resized = cv2.resize(image, (round(image.shape[1] * scale) // 2 * 2, round(image.shape[0] * scale) // 2 * 2))
    top, left = (1080 - resized.shape[0]) // 2, (1920 - resized.shape[1]) // 2
    frame = cv2.copyMakeBorder(
        resized, top, 1080 - resized.shape[0] - top, left, 1920 - resized.shape[1] - left, cv2.BORDER_REPLICATE
    )
    planes = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    out.write_bytes(b"YUV4MPEG2 W1920 H1080 F30:1 Ip A1:1 C420jpeg\nFRAME\n" + np.ascontiguousarray(planes).tobytes())
    return out


@pytest.fixture
def browser(request: pytest.FixtureRequest, tmp_path: Path, sample_dir: Path) -> Iterator[Any]:
    """A phone-sized browser whose language is English, or the test's `browser_language` marker's, with a fake
    camera filming a sample card (none with the `no_camera` marker, like a desktop without one)."""
    film = camera_film(sample_dir / "ektp-photo-01.jpg", tmp_path / "camera.y4m")
    marker = request.node.get_closest_marker("browser_language")
    camera = (
        "--use-fake-ui-for-media-stream",  # the camera permission prompt, answered yes
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={film}",
    )
    driver = chromium(
        tmp_path / "chromium",
        language=marker.args[0] if marker else "en-US",
        window=(412, 915),  # a common Android phone's viewport
        flags=() if request.node.get_closest_marker("no_camera") else camera,
    )
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    try:
        assert_no_csp_violation(driver)
    finally:
        driver.quit()


def assert_no_csp_violation(driver: Any) -> None:
    """The console since the last call holds no Content-Security-Policy refusal (an inline script or style, or a
    request to an origin the policy does not list, would be one)."""
    problems = [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]
    assert not problems, f"the page broke its own Content-Security-Policy: {problems}"


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """axe-core (from the web app's npm packages) on the current page: the serious and critical violations of
    WCAG 2.1 A/AA and axe's best practices."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
        ".then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))))"
        ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', nodes: [String(e)]}])));"
    )
    return [v for v in json.loads(result) if v["impact"] in ("serious", "critical")]


def wait_for(condition: Callable[[], Any], *, timeout: float = 30.0, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - the page is changing under us; try again until the deadline
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f" (last error: {last})" if last else ""))
