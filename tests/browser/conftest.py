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
def live_server_for(demo_app_for):
    """``live_server_for("chongqing")`` -> the base URL of that profile's demo console served
    by waitress (started once per profile and run)."""
    from waitress.server import create_server

    started = {}

    def _serve(code: str) -> str:
        if code not in started:
            app = demo_app_for(code)
            app.config["WTF_CSRF_ENABLED"] = True  # as in production
            server = create_server(app, host="127.0.0.1", port=0, threads=4)
            threading.Thread(target=server.run, daemon=True).start()
            started[code] = (app, server)
        return f"http://127.0.0.1:{started[code][1].effective_port}"

    yield _serve
    for app, server in started.values():
        server.close()
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="session")
def live_server(live_server_for):
    """The Shanghai demo console (the default profile)."""
    return live_server_for("shanghai")


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
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert "/login" not in page.url, f"{username} could not log in"
