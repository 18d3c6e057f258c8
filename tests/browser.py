"""Real headless Chromium for the browser tier, and the server it talks to.

Debian's `chromium` and `chromium-driver` (installed by .ci/run) are driven by
Selenium with both paths given, and SE_OFFLINE set, so nothing is downloaded at
test time. Where they are missing the browser tests skip, unless
DRAFTER_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DRAFTER_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DRAFTER_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1366,900",
    "--lang=zh-CN",
]


def required() -> bool:
    return os.environ.get("DRAFTER_REQUIRE_BROWSER") == "1"


def unavailable(message: str) -> None:
    if required():
        pytest.fail(f"DRAFTER_REQUIRE_BROWSER=1 but {message}")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(app) -> Iterator[str]:
    """uvicorn serving `app` on a free loopback port in a thread; its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@contextmanager
def chromium(profile: Path, downloads: Path) -> Iterator[object]:
    """A fresh headless Chromium (Selenium WebDriver) with its own profile and download folder."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        unavailable(f"{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable("selenium is not installed")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a driver or a browser
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
            "intl.accept_languages": "zh-CN,zh",
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


def wait_for(predicate, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def downloaded(folder: Path, suffix: str, timeout: float = 30) -> Path:
    """The one finished download ending in `suffix`."""

    def done():
        files = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        return files[0] if files and not any(folder.glob("*.crdownload")) else None

    return wait_for(done, timeout, f"a {suffix} download")


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    """A full-window PNG; copied into $DRAFTER_SCREENSHOTS (docs/images) when set."""
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    target = os.environ.get("DRAFTER_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path
