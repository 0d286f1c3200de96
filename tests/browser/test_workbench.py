"""The 工作台, the top-bar search, a form opened from its parent and batch confirmation, in a
real browser (issue 14)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app import clock
from app.enums import AnnualReportState, ApplicationState
from app.extensions import db
from app.models import AnnualAccountReport, Application, Certificate, CustomsUsage, Enterprise
from tests import factories
from tests.browser.conftest import NEEDS_CHROMIUM, login
from tests.conftest import DISTRICT_A, DISTRICT_B

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]


def _page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    return context, page


def test_huangpu_workbench_lists_the_annual_report_and_opens_it(
        live_server, browser, demo_app, monkeypatch):
    year = clock.today().year  # the demo's current year: huangpu's report is a draft
    with demo_app.app_context():
        bureau = factories.bureau(DISTRICT_A)
        report_id = db.session.scalar(select(AnnualAccountReport.id).where(
            AnnualAccountReport.bureau_id == bureau.id, AnnualAccountReport.year == year,
            AnnualAccountReport.state.in_([AnnualReportState.draft,
                                           AnnualReportState.returned])))
        db.session.remove()
    assert report_id is not None
    # two days before its 11月30日 deadline (the clock every door reads)
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(year, 11, 28, 9, 30))
    context, page = _page(browser)
    login(page, live_server, "huangpu")
    page.goto(f"{live_server}/")
    row = page.locator("table.console-workbench tr", has_text="账号使用人年报").first
    assert "剩2天" in row.inner_text() and f"{year}-11-30" in row.inner_text()
    assert "warning" in (row.get_attribute("class") or "")  # due soon
    with page.expect_navigation():
        row.locator("a").click()
    assert page.url.endswith(f"/annualreportview/show/{report_id}")
    assert f"{year}" in page.inner_text("body")
    context.close()


def test_top_bar_search_by_uscc_and_declaration_within_the_district(
        live_server, browser, demo_app):
    with demo_app.app_context():
        own = db.session.scalars(select(Enterprise).where(
            Enterprise.bureau_id == factories.bureau(DISTRICT_A).id)).first()
        theirs = db.session.scalars(select(Enterprise).where(
            Enterprise.bureau_id == factories.bureau(DISTRICT_B).id)).first()
        usage = db.session.scalars(select(CustomsUsage).join(Certificate).join(Application)
                                   .where(Application.bureau_id == own.bureau_id)).first()
        other_usage = db.session.scalars(
            select(CustomsUsage).join(Certificate).join(Application)
            .where(Application.bureau_id == theirs.bureau_id)).first()
        own_id, own_uscc, theirs_uscc = own.id, own.uscc, theirs.uscc
        usage_id, declaration = usage.id, usage.declaration_no
        other_declaration = other_usage.declaration_no if other_usage else None
        db.session.remove()
    context, page = _page(browser)
    login(page, live_server, "huangpu")

    def search(term):
        page.fill(".console-topbar-search input[name=q]", term)
        with page.expect_navigation():
            page.press(".console-topbar-search input[name=q]", "Enter")
        return page.inner_text("body")

    body = search(own_uscc)
    assert "/search/" in page.url and "申请单位" in body
    assert page.locator(f"a[href='/enterpriseview/show/{own_id}']").count() == 1
    body = search(declaration)
    assert "海关调用记录" in body
    assert page.locator(f"a[href='/customsusageview/show/{usage_id}']").count() == 1
    for term in filter(None, (theirs_uscc, other_declaration)):
        body = search(term)
        assert "没有找到" in body and page.locator(".console-search-results").count() == 0
    context.close()


def test_product_form_opened_from_an_application_has_it_set(live_server, browser, demo_app):
    with demo_app.app_context():
        app_ = factories.application(factories.enterprise(factories.bureau(DISTRICT_A)),
                                     ApplicationState.draft)
        db.session.commit()
        app_id, number = app_.id, app_.number
        db.session.remove()
    context, page = _page(browser)
    login(page, live_server, "huangpu")
    page.goto(f"{live_server}/applicationview/show/{app_id}")
    page.click(".nav-tabs a:has-text('产品')")  # the application's product list
    with page.expect_navigation():
        page.click(f"a[href*='/productview/add?_flt_0_application={app_id}']")
    assert "/productview/add" in page.url
    assert page.locator("#application option:checked").inner_text().strip() == number
    # shown in the type-ahead picker
    assert number in page.locator("#application + .select2 .select2-selection__rendered").inner_text()
    context.close()


def test_batch_confirm_of_two_annual_reports(live_server, browser, demo_app):
    with demo_app.app_context():
        year = 2071
        ids = []
        for code in (DISTRICT_A, DISTRICT_B):
            bureau = factories.bureau(code)
            report = db.session.scalar(select(AnnualAccountReport).where(
                AnnualAccountReport.bureau_id == bureau.id, AnnualAccountReport.year == year))
            if report is None:
                report = AnnualAccountReport(bureau=bureau, year=year, filer_name="填报人",
                                             filer_department="认证监管科")
                db.session.add(report)
            report.state = AnnualReportState.submitted
            report.submitted_at = dt.datetime(year, 11, 20, 9)
            db.session.commit()
            ids.append(report.id)
        db.session.remove()
    context, page = _page(browser)
    login(page, live_server, "admin")
    page.goto(f"{live_server}/annualreportview/list/?_flt_0_year={year}")
    for pk in ids:
        page.check(f"input.action_check[value='{pk}']")
    page.click("button.dropdown-toggle:has-text('Actions'), button.dropdown-toggle:has-text('操作'),"
               " button.dropdown-toggle:has-text('动作')")
    page.click("a.confirm_many_menu_item")  # its href "#" is a navigation of its own
    page.locator("#modal-confirm-ok").wait_for(state="visible")
    # the modal submits the action form: wait for that page, not the menu link's "#"
    with page.expect_navigation(url=lambda url: "#" not in url):
        page.click("#modal-confirm-ok")
    body = page.inner_text("body")
    assert "汇总表已确认（共2份）" in body, (page.url, body[:1500])
    with demo_app.app_context():
        states = {db.session.get(AnnualAccountReport, pk).state for pk in ids}
        db.session.remove()
    assert states == {AnnualReportState.confirmed}
    assert re.search("已确认", body)
    context.close()
