"""Browser tests: the demo console served by waitress, driven by Debian's headless Chromium."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from seeds.demo import DEMO_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="session")
def live_server(demo_app):
    from waitress.server import create_server

    demo_app.config["WTF_CSRF_ENABLED"] = True  # as in production
    server = create_server(demo_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    demo_app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    assert re.search(r"[\u4e00-\u9fff]", page.inner_text("body")), "login page not Chinese"
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not log in"
