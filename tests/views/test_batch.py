"""Batch work from a list: tick several records, one action; each goes through the one step
door (role, scope, rules), and the user reads what was done and what was not, and why."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.enums import AccountChangeKind, AccountChangeState, AnnualReportState, FunctionCode
from app.extensions import db
from app.models import AccountChangeRequest, AnnualAccountReport
from app.services import accounts
from app.workflows import run_step
from app.workflows.account_change import AccountChangeWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


def _free_year(*bureau_objs) -> int:
    taken = set(db.session.scalars(select(AnnualAccountReport.year).where(
        AnnualAccountReport.bureau_id.in_([b.id for b in bureau_objs]))))
    return next(y for y in range(2080, 2000, -1) if y not in taken)


def _report(bureau_obj, year, state):
    report = AnnualAccountReport(bureau=bureau_obj, year=year, filer_name="填报人",
                                 filer_department="认证监管科", state=state)
    if state is not AnnualReportState.draft:
        report.submitted_at = dt.datetime(year, 11, 20, 9)
    db.session.add(report)
    db.session.commit()
    return report


def _state(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk).state


def test_confirm_several_annual_reports(app_ctx, client_as, bureaus):
    year = _free_year(bureaus[DISTRICT_A], bureaus[DISTRICT_B])
    a = _report(bureaus[DISTRICT_A], year, AnnualReportState.submitted)
    b = _report(bureaus[DISTRICT_B], year, AnnualReportState.submitted)
    c = _report(bureaus[DISTRICT_A], year - 1, AnnualReportState.draft)
    page = client_as("admin").post("/annualreportview/action_post", data={
        "action": "confirm_many", "rowid": [str(a.id), str(b.id), str(c.id)]},
        follow_redirects=True)
    html = page.get_data(as_text=True)
    assert _state(AnnualAccountReport, a.id) is AnnualReportState.confirmed
    assert _state(AnnualAccountReport, b.id) is AnnualReportState.confirmed
    assert _state(AnnualAccountReport, c.id) is AnnualReportState.draft
    assert "汇总表已确认（共2份）" in html and "未能确认" in html


def test_a_district_cannot_batch_confirm(app_ctx, client_as, bureaus):
    year = _free_year(bureaus[DISTRICT_A])
    a = _report(bureaus[DISTRICT_A], year, AnnualReportState.submitted)
    client_as("huangpu").post("/annualreportview/action_post", data={
        "action": "confirm_many", "rowid": [str(a.id)]})
    assert _state(AnnualAccountReport, a.id) is AnnualReportState.submitted


def _submitted_request(bureau_obj, users):
    account = factories.account(bureau_obj)
    req = AccountChangeRequest(
        bureau=bureau_obj, kind=AccountChangeKind.add_functions, account=account,
        holder_name=account.holder_name, department="认证监管科", position="科长",
        section_chief_or_above=True, phone="13812345678",
        staffing_changed_on=dt.date.today() - dt.timedelta(days=1),
        functions_after=accounts.tags([FunctionCode.first_review, FunctionCode.supervision]))
    db.session.add(req)
    db.session.commit()
    officer = users["huangpu"] if bureau_obj.division_code == DISTRICT_A else users["pudong"]
    run_step(AccountChangeWorkflow, req.id, "submit", officer)
    return req


def test_approve_several_account_change_requests(app_ctx, client_as, bureaus, users):
    first = _submitted_request(bureaus[DISTRICT_A], users)
    second = _submitted_request(bureaus[DISTRICT_B], users)
    page = client_as("admin").post("/accountchangerequestview/action_post", data={
        "action": "approve_many", "rowid": [str(first.id), str(second.id)]},
        follow_redirects=True)
    assert "调整需求已审核通过（共2项）" in page.get_data(as_text=True)
    assert _state(AccountChangeRequest, first.id) is AccountChangeState.approved
    assert _state(AccountChangeRequest, second.id) is AccountChangeState.approved
