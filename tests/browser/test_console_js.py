"""The console's own script in a real browser: one confirm dialog (Flask-AppBuilder's
#modal-confirm) for every step that asks first, and the 账号调整需求 form filling itself from the
chosen account (issue 14, items 3 and 7)."""
from __future__ import annotations

import pytest

from app.enums import AccountChangeState, FunctionCode
from app.extensions import db
from app.models import AccountChangeRequest, AccountFunction
from tests import factories
from tests.browser.conftest import NEEDS_CHROMIUM, login
from tests.conftest import DISTRICT_A

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]


def _page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return context, page, dialogs


def _state(demo_app, pk):
    with demo_app.app_context():
        state = db.session.get(AccountChangeRequest, pk).state
        db.session.remove()
    return state


def test_a_step_that_asks_first_asks_in_the_consoles_dialog(live_server, browser, demo_app):
    with demo_app.app_context():
        request = factories.row_factories()[AccountChangeRequest](factories.bureau(DISTRICT_A))
        request.functions_after = [db.session.query(AccountFunction).first()]
        db.session.commit()
        pk = request.id
        db.session.remove()
    context, page, dialogs = _page(browser)
    login(page, live_server, "huangpu")
    show = f"{live_server}/accountchangerequestview/show/{pk}"
    page.goto(show)
    dialog = page.locator("#modal-confirm").first
    submit = page.locator("button[data-confirm]", has_text="提交省局")

    submit.click()  # 取消: nothing happens
    dialog.wait_for(state="visible")
    assert dialog.locator(".modal-body").inner_text().strip() == "确认提交该账号调整需求？"
    dialog.locator("button", has_text="取消").click()
    dialog.wait_for(state="hidden")
    assert page.url == show and _state(demo_app, pk) is AccountChangeState.draft

    submit.click()  # 确定: the step is taken
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        dialog.locator("#modal-confirm-ok").click()
    assert "调整需求已提交省局。" in page.inner_text("body")
    assert _state(demo_app, pk) is AccountChangeState.submitted

    # a link that asks first: the same dialog, 确定 follows it
    page.evaluate("""() => {
        const a = document.createElement("a");
        a.id = "confirm-link"; a.href = "/accountchangerequestview/list/";
        a.dataset.confirm = "打开列表？"; a.textContent = "列表";
        document.body.prepend(a);
    }""")
    page.click("#confirm-link")
    dialog.wait_for(state="visible")
    assert dialog.locator(".modal-body").inner_text().strip() == "打开列表？"
    with page.expect_navigation():
        dialog.locator("#modal-confirm-ok").click()
    assert "/accountchangerequestview/list/" in page.url
    assert dialogs == []  # never the browser's own confirm box
    context.close()


def test_choosing_the_account_fills_the_change_request_form(live_server, browser, demo_app):
    with demo_app.app_context():
        account = factories.account(factories.bureau(DISTRICT_A),
                                    functions=(FunctionCode.first_review,
                                               FunctionCode.supervision),
                                    holder_name="填表测试人", account_name="fillform01")
        db.session.commit()
        account_id, functions = account.id, {f.label for f in account.functions}
        db.session.remove()
    context, page, _dialogs = _page(browser)
    login(page, live_server, "huangpu")
    page.goto(f"{live_server}/accountchangerequestview/add")
    page.fill("#position", "副科长")  # typed before choosing: stays

    page.locator("#account + .select2").click()
    page.locator("input.select2-search__field[aria-controls=select2-account-results]").fill(
        "fillform01")
    with page.expect_response(lambda r: f"/account_facts/{account_id}" in r.url):
        page.locator(".select2-results__option", has_text="fillform01").first.click()
    page.wait_for_function("document.querySelector('#holder_name').value !== ''")

    assert page.input_value("#holder_name") == "填表测试人"
    assert page.input_value("#department") == "认证监管科"
    assert page.input_value("#phone") == "13912345678"
    assert page.input_value("#account_name") == "fillform01"
    assert page.input_value("#position") == "副科长"
    before = page.locator("#functions_before option:checked").all_inner_texts()
    assert {text.strip() for text in before} == functions
    shown = page.locator("#functions_before + .select2").inner_text()
    assert all(label in shown for label in functions)
    context.close()
