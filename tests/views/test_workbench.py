"""The 工作台 (home page): each role's to-do lines, soonest first, with days left and links;
the 年报 from 1 November; the province's 催报; menu numbers; isolation."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app import clock
from app.enums import AnnualReportState
from app.extensions import db
from app.models import AnnualAccountReport, WorkbenchNotice
from app.services.workbench import days_left, workbench_for
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


def _free_year(*bureau_objs) -> int:
    taken = set(db.session.scalars(select(AnnualAccountReport.year).where(
        AnnualAccountReport.bureau_id.in_([b.id for b in bureau_objs]))))
    return next(y for y in range(2090, 2000, -1) if y not in taken)


def _report(bureau_obj, year, state=AnnualReportState.draft):
    report = AnnualAccountReport(bureau=bureau_obj, year=year, filer_name="填报人",
                                 filer_department="认证监管科", state=state)
    if state is not AnnualReportState.draft:
        report.submitted_at = dt.datetime(year, 11, 20, 9)
    db.session.add(report)
    db.session.flush()
    return report


@pytest.fixture()
def frozen(monkeypatch):
    def _at(day: dt.date):
        monkeypatch.setattr(clock, "now", lambda: dt.datetime.combine(day, dt.time(10, 0)))
    return _at


def test_district_sees_its_annual_report_from_november_with_days_left(
        app_ctx, bureaus, users, frozen):
    year = _free_year(bureaus[DISTRICT_A], bureaus[DISTRICT_B])
    own = _report(bureaus[DISTRICT_A], year)
    other = _report(bureaus[DISTRICT_B], year)
    db.session.commit()
    frozen(dt.date(year, 10, 31))
    assert not [line for line in workbench_for(users["huangpu"]).lines
                if line.kind == "账号使用人年报"]
    frozen(dt.date(year, 11, 28))
    lines = [line for line in workbench_for(users["huangpu"]).lines
             if line.kind == "账号使用人年报"]
    assert [line.params for line in lines] == [{"pk": own.id}]  # never pudong's
    line = lines[0]
    assert line.due == dt.date(year, 11, 30) and line.days_text == "剩2天"
    assert line.level == "warning"  # within the policy's 3 working days
    assert other.id not in [x.params.get("pk") for x in workbench_for(users["huangpu"]).lines
                            if x.endpoint == "AnnualReportView.show"]


def test_home_page_lists_lines_soonest_first_with_links(app_ctx, bureaus, client_as, frozen):
    year = _free_year(bureaus[DISTRICT_A])
    report = _report(bureaus[DISTRICT_A], year)
    db.session.commit()
    frozen(dt.date(year, 11, 28))
    html = client_as("huangpu").get("/").get_data(as_text=True)
    assert "工作台" in html and "待办事项" in html
    assert f'href="/annualreportview/show/{report.id}"' in html
    assert "剩2天" in html
    # the menu entry carries the number of records waiting
    assert 'console-menu-count' in html


def test_province_sees_who_has_not_filed_and_reports_to_confirm(
        app_ctx, bureaus, users, frozen):
    year = _free_year(bureaus[DISTRICT_A], bureaus[DISTRICT_B])
    submitted = _report(bureaus[DISTRICT_B], year, AnnualReportState.submitted)
    db.session.commit()
    frozen(dt.date(year, 11, 25))
    lines = workbench_for(users["admin"]).lines
    confirm = [line for line in lines if line.action == "确认"]
    assert {"pk": submitted.id} in [line.params for line in confirm]
    missing = [line for line in lines if line.action == "催报"]
    assert len(missing) == 1 and "尚未报送" in missing[0].record
    assert bureaus[DISTRICT_A].short_name in missing[0].note
    assert bureaus[DISTRICT_B].short_name not in missing[0].note.split("、")
    dues = [line.due or dt.date.max for line in lines]
    assert dues == sorted(dues)


def test_auditor_has_nothing_to_do(app_ctx, users):
    assert workbench_for(users["auditor"]).lines == []


def test_days_left_texts(app_ctx):
    today = dt.date(2090, 11, 28)  # a year without a calendar: calendar days
    assert days_left(dt.date(2090, 11, 30), today) == ("剩2天", "warning")
    assert days_left(today, today) == ("今天到期", "warning")
    assert days_left(dt.date(2090, 11, 26), today) == ("已逾期2天", "danger")
    assert days_left(dt.date(2090, 12, 28), today) == ("剩30天", "")


def test_province_reminds_districts_and_the_notice_shows_until_filed(
        app_ctx, bureaus, client_as, users, frozen):
    year = _free_year(bureaus[DISTRICT_A], bureaus[DISTRICT_B])
    report = _report(bureaus[DISTRICT_A], year)
    _report(bureaus[DISTRICT_B], year, AnnualReportState.submitted)
    db.session.commit()
    frozen(dt.date(year, 11, 25))
    admin = client_as("admin")
    page = admin.get("/annualboard/").get_data(as_text=True)
    assert "催报" in page
    response = admin.post("/annualboard/remind", data={"year": str(year)})
    assert response.status_code == 302
    notices = db.session.scalars(select(WorkbenchNotice).where(
        WorkbenchNotice.settles == f"annual_report:{year}")).all()
    assert bureaus[DISTRICT_A].id in {n.bureau_id for n in notices}
    assert bureaus[DISTRICT_B].id not in {n.bureau_id for n in notices}  # it has filed
    assert "催报提醒" in client_as("huangpu").get("/").get_data(as_text=True)
    assert "催报提醒" not in client_as("pudong").get("/").get_data(as_text=True)
    # filed: the notice is settled
    report.state, report.submitted_at = AnnualReportState.submitted, clock.now()
    db.session.commit()
    assert "催报提醒" not in client_as("huangpu").get("/").get_data(as_text=True)


def test_a_district_cannot_remind(app_ctx, client_as, frozen):
    response = client_as("huangpu").post("/annualboard/remind", data={"year": "2090"})
    assert response.status_code in (302, 403)
    assert not db.session.scalars(select(WorkbenchNotice).where(
        WorkbenchNotice.sender == "huangpu")).all()


def test_calendar_banner_only_for_the_admin_on_the_workbench(app_ctx, client_as, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2035, 11, 23, 10))
    assert "2036年的法定节假日安排尚未录入" in client_as("admin").get("/").get_data(as_text=True)
    assert "2036年的法定节假日安排尚未录入" not in client_as("huangpu").get("/").get_data(
        as_text=True)
    factories  # noqa: B018 - factories kept for symmetry with other view tests
