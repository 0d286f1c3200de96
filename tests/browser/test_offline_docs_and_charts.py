"""Offline API docs and charts: the Swagger UI page and the 统计 page render in headless
Chromium with every request answered by the console itself (asserted on the browser's
network log), no Content-Security-Policy violation and no console error."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import NEEDS_CHROMIUM, login
from tests.browser.test_smoke import CSP_WATCH

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]


def _page_with_network_log(browser, base):
    """A page whose every request is logged; any request to another host is aborted (and
    logged), so a CDN dependency fails the test instead of being fetched."""
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    log: list[str] = []
    errors: list[str] = []
    own = urlsplit(base).netloc

    def route(route):
        url = route.request.url
        log.append(url)
        if url.startswith(("data:", "blob:")) or urlsplit(url).netloc == own:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, log, errors


def _wait_until(page, predicate: str, seconds: float = 60.0) -> None:
    """Poll ``predicate`` from outside the page (page.wait_for_function evaluates strings in
    the page, which the console's Content-Security-Policy rightly forbids)."""
    for _ in range(int(seconds * 4)):
        if page.evaluate(predicate):
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"not true after {seconds}s: {predicate}\n"
                         f"{page.inner_text('body')[:500]}")


def _outside(log, base):
    own = urlsplit(base).netloc
    return [u for u in log if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != own]


@pytest.mark.parametrize("username", ["admin", "huangpu"])
def test_swagger_ui_renders_offline(browser, live_server, username):
    context, page, log, errors = _page_with_network_log(browser, live_server)
    try:
        login(page, live_server, username)
        log.clear()
        # the spec is built on first request (slow on a busy machine): wait for it first
        with page.expect_response(lambda r: "/api/v1/_openapi" in r.url,
                                  timeout=180000) as spec:
            response = page.goto(f"{live_server}/swagger/v1")
        assert response.status == 200
        assert spec.value.status == 200
        # one section per resource, folded (the API has some 180 operations: drawn all at once
        # Swagger UI stalled after the first few); opening one draws its operations
        _wait_until(page, "() => document.querySelectorAll('.swagger-ui h3.opblock-tag').length > 20",
                    seconds=120)
        page.locator(".swagger-ui h3.opblock-tag", has_text="ApplicationApi").first.click()
        _wait_until(page, "() => document.querySelectorAll('.swagger-ui .opblock').length > 10",
                    seconds=60)
        assert page.locator(".swagger-ui .info .title").count() == 1
        page.wait_for_load_state("networkidle")
        assert _outside(log, live_server) == [], "a request left the machine"
        assert any(u.endswith("/static/vendor/swagger-ui/swagger-ui-bundle.js") for u in log)
        assert any("/api/v1/_openapi" in u for u in log)
        assert page.evaluate("window.__cspViolations") == []
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("username", ["admin", "huangpu"])
def test_statistics_charts_render_offline(browser, live_server, username):
    context, page, log, errors = _page_with_network_log(browser, live_server)
    try:
        login(page, live_server, username)
        log.clear()
        response = page.goto(f"{live_server}/statistics/")
        assert response.status == 200
        _wait_until(page, "() => window.__statsChartsRendered === 5")
        for chart in ("months", "districts", "deadlines", "fasttrack", "writeoff"):
            assert page.locator(f"#chart-{chart} svg").count() == 1, chart
        # the titles are drawn (text of the vendored library, in Chinese)
        assert "各区局免办申请与证明" in page.inner_html("#chart-districts")
        page.wait_for_load_state("networkidle")
        assert _outside(log, live_server) == [], "a request left the machine"
        assert any(u.endswith("/static/vendor/echarts/echarts.min.js") for u in log)
        assert page.evaluate("window.__cspViolations") == []
        assert errors == []
    finally:
        context.close()
