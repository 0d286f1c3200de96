"""账号使用人信息汇总表 end to end: snapshot, one per district-year, submit / confirm /
return, the province's status board, and the official tables (seed 003 附件2)."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pdfplumber
import pytest
from sqlalchemy import select

from app import clock
from app.commands.annual_reports import create_report
from app.domain.errors import AccessDenied, RecordNotFound, RuleViolation
from app.enums import AccountStatus, AnnualReportState, FunctionCode
from app.extensions import db
from app.models import AnnualAccountReport
from app.services.annual_reports import is_late, status_board
from app.workflows import run_step
from app.workflows.annual_report import AnnualReportWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

W = AnnualReportWorkflow
F = FunctionCode


def fresh_bureau(bureaus, code="310109"):
    """A district of its own (虹口区) so the snapshot is exactly the accounts made here."""
    return bureaus[code]


def test_snapshot_lines_are_the_districts_active_accounts(app_ctx, bureaus):
    bureau = fresh_bureau(bureaus, "310110")  # 杨浦区
    kept = factories.account(bureau, functions=(F.second_review, F.supervision), chief=True,
                             holder_name="杨科长", position="科长")
    factories.account(bureau, status=AccountStatus.closed, holder_name="已注销者")
    db.session.commit()
    report = create_report(bureau.id, 2035, "填报人甲", "认证监管科")
    db.session.commit()
    lines = [(ln.holder_name, ln.functions, ln.department_position, ln.bureau_name)
             for ln in report.lines]
    assert ("杨科长", "复审、监管", "认证监管科科长", bureau.name) in lines
    assert "已注销者" not in [ln[0] for ln in lines]
    assert kept.id in [ln.account_id for ln in report.lines]


def test_second_report_for_the_same_year_is_refused(app_ctx, api_as, client_as, bureaus):
    bureau = bureaus[DISTRICT_A]
    create_report(bureau.id, 2036, "甲", "认证监管科")
    db.session.commit()
    with pytest.raises(RuleViolation, match="已经存在"):
        create_report(bureau.id, 2036, "乙", "认证监管科")
    client, headers = api_as("huangpu")
    response = client.post("/api/v1/annual_report/", json={
        "bureau_id": bureau.id, "year": 2036, "filer_name": "乙", "filer_department": "科"},
        headers=headers)
    assert response.status_code == 409
    assert "已经存在" in response.get_json()["message"]
    page = client_as("huangpu").post("/annualreportview/add", data={
        "bureau": str(bureau.id), "year": "2036", "filer_name": "乙", "filer_department": "科"},
        follow_redirects=True)
    assert "已经存在" in page.get_data(as_text=True)
    assert db.session.query(AnnualAccountReport).filter_by(bureau_id=bureau.id, year=2036).count() == 1


def test_api_create_takes_the_snapshot(app_ctx, api_as, bureaus):
    bureau = bureaus[DISTRICT_A]
    factories.account(bureau, holder_name="接口快照人")
    db.session.commit()
    client, headers = api_as("huangpu")
    created = client.post("/api/v1/annual_report/", json={
        "bureau_id": bureau.id, "year": 2037, "filer_name": "丙", "filer_department": "科"},
        headers=headers)
    assert created.status_code == 201, created.get_json()
    shown = client.get(f"/api/v1/annual_report/{created.get_json()['id']}", headers=headers)
    lines = shown.get_json()["result"]["lines"]
    assert "接口快照人" in [ln["holder_name"] for ln in lines]
    assert shown.get_json()["result"]["state"] == "draft"


def test_submit_return_resubmit_confirm(app_ctx, users, bureaus):
    report = create_report(bureaus[DISTRICT_A].id, 2038, "甲", "认证监管科")
    db.session.commit()
    run_step(W, report.id, "submit", users["huangpu"])
    run_step(W, report.id, "return", users["admin"], {"reason": "职务不完整"})
    db.session.refresh(report)
    assert report.state is AnnualReportState.returned and report.return_reason == "职务不完整"
    run_step(W, report.id, "submit", users["huangpu"])
    run_step(W, report.id, "confirm", users["admin"])
    db.session.refresh(report)
    assert report.state is AnnualReportState.confirmed and report.confirmed_at is not None
    assert report.filed_on == clock.today()


def test_refusals(app_ctx, users, bureaus):
    report = create_report(bureaus[DISTRICT_A].id, 2039, "甲", "认证监管科")
    db.session.commit()
    with pytest.raises(AccessDenied):
        run_step(W, report.id, "confirm", users["huangpu"])
    with pytest.raises(RuleViolation, match="当前状态为“草稿”"):
        run_step(W, report.id, "confirm", users["admin"])
    with pytest.raises(RecordNotFound):
        run_step(W, report.id, "submit", users["pudong"])
    with pytest.raises(AccessDenied):
        run_step(W, report.id, "submit", users["auditor"])


def test_a_later_account_change_never_rewrites_a_submitted_report(app_ctx, users, bureaus):
    bureau = bureaus["310112"]  # 闵行区
    account = factories.account(bureau, functions=(F.first_review,), holder_name="闵行甲")
    db.session.commit()
    report = create_report(bureau.id, 2040, "甲", "认证监管科")
    db.session.commit()
    run_step(W, report.id, "submit", users["admin"])
    account.holder_name = "闵行乙"
    account.functions = []
    db.session.commit()
    db.session.refresh(report)
    line = next(ln for ln in report.lines if ln.account_id == account.id)
    assert (line.holder_name, line.functions) == ("闵行甲", "初审")
    # refreshing is only possible while it is a draft or returned
    with pytest.raises(RuleViolation):
        run_step(W, report.id, "refresh", users["admin"])
    run_step(W, report.id, "return", users["admin"], {"reason": "请更新"})
    run_step(W, report.id, "refresh", users["admin"])
    db.session.refresh(report)
    line = next(ln for ln in report.lines if ln.account_id == account.id)
    assert (line.holder_name, line.functions) == ("闵行乙", "无")


def test_lateness_around_30_november(app_ctx, bureaus):
    report = AnnualAccountReport(bureau=bureaus[DISTRICT_A], year=2030, filer_name="x",
                                 filer_department="y", state=AnnualReportState.submitted,
                                 submitted_at=dt.datetime(2030, 11, 30, 17, 0))
    assert not is_late(report, 2030, today=dt.date(2030, 12, 5))
    report.submitted_at = dt.datetime(2030, 12, 1, 9, 0)
    assert is_late(report, 2030, today=dt.date(2030, 12, 5))
    assert not is_late(None, 2030, today=dt.date(2030, 11, 30))
    assert is_late(None, 2030, today=dt.date(2030, 12, 1))
    report.state = AnnualReportState.returned
    assert is_late(report, 2030, today=dt.date(2030, 12, 1))
    db.session.rollback()


def test_status_board_lists_every_district(app_ctx, users, bureaus, client_as):
    year = 2041
    a = create_report(bureaus[DISTRICT_A].id, year, "甲", "科")
    b = create_report(bureaus[DISTRICT_B].id, year, "乙", "科")
    db.session.commit()
    run_step(W, b.id, "submit", users["pudong"])
    rows = {r.bureau.division_code: r for r in status_board(year)}
    shanghai_districts = {"310101", "310104", "310105", "310106", "310107", "310109", "310110",
                          "310112", "310113", "310114", "310115", "310116", "310117", "310118",
                          "310120", "310151"}
    assert shanghai_districts <= set(rows) and "310000" not in rows  # every district, no province
    assert rows[DISTRICT_A].status == "草稿" and rows[DISTRICT_B].status == "已提交"
    assert rows[DISTRICT_A].report.id == a.id
    assert rows["310151"].status == "未填报"
    page = client_as("reviewer").get(f"/annualboard/?year={year}").get_data(as_text=True)
    assert "上海市崇明区市场监督管理局" in page and "未填报" in page and "已提交" in page
    assert client_as("huangpu").get("/annualboard/").status_code == 403


def test_rollup_and_district_tables(app_ctx, users, bureaus, client_as, api_as):
    year = 2042
    for code, name in ((DISTRICT_A, "黄浦汇总人"), (DISTRICT_B, "浦东汇总人")):
        factories.account(bureaus[code], holder_name=name, functions=(F.issue,))
        db.session.commit()
        report = create_report(bureaus[code].id, year, f"{name}填报", "认证监管科")
        db.session.commit()
        run_step(W, report.id, "submit", users["admin"])
    factories.account(bureaus["310104"], holder_name="徐汇草稿人", functions=(F.issue,))
    db.session.commit()
    draft = create_report(bureaus["310104"].id, year, "徐汇", "科")  # a draft stays out
    db.session.commit()

    pdf = client_as("auditor").get(f"/reports/annual_rollup/{year}?format=pdf")
    assert pdf.status_code == 200
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
        header = ["".join((c or "").split()) for c in doc.pages[0].extract_tables()[0][0]]
    assert "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表" in text
    assert "填报单位：上海市市场监督管理局" in text and "填报人：吴审计员" in text
    assert header == ["序号", "市场监管部门", "账号使用人姓名", "所在部门及职务", "当前使用账号名称",
                      "当前使用账号功能", "手机号", "备注"]
    assert "黄浦汇总人" in text and "浦东汇总人" in text
    assert "备注：当前账号功能填写：初审、复审、发证、监管、管理员。" in text
    assert [line.holder_name for line in draft.lines] == ["徐汇草稿人"]
    assert "徐汇草稿人" not in text  # a draft is not part of the roll-up

    board = client_as("auditor").get(f"/annualboard/?year={year}").get_data(as_text=True)
    assert 'name="department"' in board and 'name="filer"' in board  # the header fields
    signed = client_as("auditor").get(
        f"/reports/annual_rollup/{year}?format=pdf&filer=吴某&department=认证监管处")
    with pdfplumber.open(io.BytesIO(signed.data)) as doc:
        first = doc.pages[0].extract_text()
    assert "填报人：吴某" in first and "所在部门：认证监管处" in first

    client, headers = api_as("reviewer")
    xlsx = client.get(f"/reports/annual_rollup/{year}?format=xlsx", headers=headers)
    assert xlsx.status_code == 200  # the API's JWT works for report downloads too
    sheet = pd.read_excel(io.BytesIO(xlsx.data), header=None, dtype=str).fillna("")
    assert sheet.iloc[0, 0] == "附件2"  # the annex label above the title
    assert "填报单位：上海市市场监督管理局" in sheet.iloc[2, 0]
    holders = set(sheet.iloc[4:, 2])
    assert {"黄浦汇总人", "浦东汇总人"} <= holders and "徐汇草稿人" not in holders

    # a district officer prints their own district's table, not the roll-up or another's
    own = db.session.scalar(select(AnnualAccountReport).where(
        AnnualAccountReport.bureau_id == bureaus[DISTRICT_A].id, AnnualAccountReport.year == year))
    other = db.session.scalar(select(AnnualAccountReport).where(
        AnnualAccountReport.bureau_id == bureaus[DISTRICT_B].id, AnnualAccountReport.year == year))
    district = client_as("huangpu")
    assert district.get(f"/reports/annual_report/{own.id}?format=xlsx").status_code == 200
    assert district.get(f"/reports/annual_report/{other.id}?format=pdf").status_code == 404
    assert district.get(f"/reports/annual_rollup/{year}").status_code == 403
    client, headers = api_as("huangpu")
    assert client.get(f"/reports/annual_report/{other.id}", headers=headers).status_code == 404
    assert app_ctx.test_client().get(f"/reports/annual_report/{own.id}").status_code == 302


def test_district_table_pdf_embeds_its_font(app_ctx, client_as, bureaus):
    report = create_report(bureaus[DISTRICT_A].id, 2043, "黄浦填报人", "认证监管科")
    db.session.commit()
    pdf = client_as("huangpu").get(f"/reports/annual_report/{report.id}?format=pdf")
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        page = doc.pages[0]
        text = page.extract_text()
        chinese = [c for c in page.chars if "\u4e00" <= c["text"] <= "\u9fff"]
    assert "填报人：黄浦填报人" in text and "所在部门：认证监管科" in text
    assert chinese and all("+" in c["fontname"] for c in chinese)
    assert round(page.width) == 842 and round(page.height) == 595  # A4 landscape
