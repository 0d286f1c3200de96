"""Browser smoke test: headless Chromium logs in as each demo role and opens every menu entry
of the demo console; no page may answer 5xx or show framework English in its chrome."""
from __future__ import annotations

import re

import pytest

from app.security_model import Role
from seeds.demo import demo_plan
from tests.browser.conftest import NEEDS_CHROMIUM, login

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

# Words that may appear in the console's own chrome although they are Latin letters:
# standard abbreviations and the names of standards.
ALLOWED_WORDS = {"CCC", "HS", "ID", "PDF", "Excel", "CSV", "API", "GB", "GB/T", "JSON", "XLSX"}
WORD = re.compile(r"[A-Za-z][A-Za-z/]+")

# The parts of a page that the console itself writes (not data values typed by users).
CHROME_SELECTORS = ["th", "label", "button", ".panel-title", ".navbar-nav > li > a",
                    ".dropdown-menu a", ".btn", ".pagination", ".nav-tabs a", "h1", "h2", "h3",
                    "h4", ".help-block", ".alert", ".console-card-title", "legend",
                    ".list-search-container"]


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


#: Collects the page's Content-Security-Policy violations (in every document it loads).
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
                              + ` at ${e.sourceFile || document.location.pathname}:${e.lineNumber}`);
});
"""


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


PROFILE_USERS = [(code, user[0], user[1]) for code in ("shanghai", "chongqing", "jiangsu")
                 for user in demo_plan(code).users()]


@pytest.mark.parametrize("profile,username,role", PROFILE_USERS,
                         ids=[f"{c}-{u}" for c, u, _r in PROFILE_USERS])
def test_role_opens_every_menu_entry(live_server_for, browser, profile, username, role):
    """Each profile's demo (python run.py with CCC_PROVINCE=...), each of its demo logins."""
    live_server = live_server_for(profile)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    failures, violations = [], []
    page.on("response", lambda r: r.status >= 500 and failures.append(f"{r.status} {r.url}"))
    # the browser also reports violations on the console (e.g. before the listener exists)
    page.on("console", lambda m: "Content Security Policy" in m.text
            and violations.append(f"console: {m.text}"))
    login(page, live_server, username)
    assert not english_in_chrome(page), english_in_chrome(page)
    violations.extend(csp_violations(page))

    links = page.eval_on_selector_all(
        ".navbar-nav .dropdown-menu a[href], .navbar-nav > li > a[href]",
        "els => els.map(e => [e.innerText.trim(), e.getAttribute('href')])")
    menu = [(text, href) for text, href in links if href and href not in ("#", "javascript:void(0)")
            and "logout" not in href]
    assert len(menu) >= 3, f"{username} sees almost no menu: {menu}"
    hrefs = {href for _text, href in menu}
    admin_only = {"/users/list/", "/auditlog/list/"}
    if username == "admin":
        assert admin_only <= hrefs
    else:  # user management and the audit log are the provincial admin's only
        assert not admin_only & hrefs, (username, admin_only & hrefs)
    if role is Role.district_officer:  # the province's boards are not a district's menu
        assert "/annualboard/" not in hrefs
    for text, href in menu:
        response = page.goto(live_server + href if href.startswith("/") else href)
        assert response is not None and response.status < 400, (username, text, href,
                                                                  response and response.status)
        leftover = english_in_chrome(page)
        assert not leftover, (username, text, href, leftover)
        violations.extend(f"{href}: {v}" for v in csp_violations(page))
    assert not failures, failures
    assert not violations, violations
    # 退出 is a POST form in the user menu (with the CSRF token): it signs out
    page.click(".navbar-right .dropdown-toggle")
    with page.expect_navigation():
        page.click("form.console-logout button[type=submit]")
    assert page.goto(live_server + "/enterpriseview/list/").url.split("?")[0].endswith("/login/")
    context.close()
