"""Browser smoke test: headless Chromium logs in as each demo role and opens every menu entry
of the demo console; no page may answer 5xx or show framework English in its chrome."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from seeds.demo import DEMO_PASSWORD, DEMO_USERS

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed at /usr/bin/chromium"),
]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

# Words that may appear in the console's own chrome although they are Latin letters:
# standard abbreviations and the names of standards.
ALLOWED_WORDS = {"CCC", "HS", "ID", "PDF", "Excel", "CSV", "API", "GB", "GB/T", "JSON", "XLSX"}
WORD = re.compile(r"[A-Za-z][A-Za-z/]+")

# The parts of a page that the console itself writes (not data values typed by users).
CHROME_SELECTORS = ["th", "label", "button", ".panel-title", ".navbar-nav > li > a",
                    ".dropdown-menu a", ".btn", ".pagination", ".nav-tabs a", "h1", "h2", "h3",
                    "h4", ".help-block", ".alert", ".console-card-title", "legend",
                    ".list-search-container"]


@pytest.fixture(scope="module")
def live_server(demo_app):
    from waitress.server import create_server

    demo_app.config["WTF_CSRF_ENABLED"] = True  # as in production
    server = create_server(demo_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    demo_app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def english_in_chrome(page) -> list[str]:
    texts = page.evaluate(
        """(selectors) => {
            const out = [];
            for (const sel of selectors) {
                for (const el of document.querySelectorAll(sel)) {
                    if (el.closest('td.console-data, .select2-results')) continue;
                    out.push(el.innerText || '');
                    if (el.title) out.push(el.title);
                    if (el.placeholder) out.push(el.placeholder);
                }
            }
            out.push(document.title);
            return out;
        }""", CHROME_SELECTORS)
    cells = page.eval_on_selector_all("td", "els => els.map(e => e.innerText.trim())")
    found = {f"cell:{c}" for c in cells if c in ("None", "True", "False", "[]")}
    for text in texts:
        for word in WORD.findall(text):
            if word not in ALLOWED_WORDS:
                found.add(word)
    return sorted(found)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    assert re.search(r"[\u4e00-\u9fff]", page.inner_text("body")), "login page not Chinese"
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not log in"


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_role_opens_every_menu_entry(live_server, browser, username):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    failures = []
    page.on("response", lambda r: r.status >= 500 and failures.append(f"{r.status} {r.url}"))
    login(page, live_server, username)
    assert not english_in_chrome(page), english_in_chrome(page)

    links = page.eval_on_selector_all(
        ".navbar-nav .dropdown-menu a[href], .navbar-nav > li > a[href]",
        "els => els.map(e => [e.innerText.trim(), e.getAttribute('href')])")
    menu = [(text, href) for text, href in links if href and href not in ("#", "javascript:void(0)")
            and "logout" not in href]
    assert len(menu) >= 3, f"{username} sees almost no menu: {menu}"
    for text, href in menu:
        response = page.goto(live_server + href if href.startswith("/") else href)
        assert response is not None and response.status < 400, (username, text, href,
                                                                  response and response.status)
        leftover = english_in_chrome(page)
        assert not leftover, (username, text, href, leftover)
    assert not failures, failures
    context.close()
