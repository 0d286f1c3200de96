"""The 申请表 of a real application and the 便捷通道使用单位名单, downloaded as a user does
(/reports/...), read back field by field; who may download which."""
from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pdfplumber
import pytest
from sqlalchemy import select

from app.enums import BusinessCategoryCode, ExemptionClause
from app.extensions import db
from app.models import BusinessCategory
from app.reports.forms import TICKED, UNTICKED
from app.workflows import run_step
from app.workflows.fast_track import FastTrackWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B
from tests.factories import FAST_TRACK_DISTRICT_REVIEW as REVIEW


@pytest.fixture()
def reviewed(app_ctx, users, bureaus, monkeypatch):
    """An application checked by the district on 2026-11-23, its unit's contacts filled in."""
    from app import clock

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 11, 23, 10, 0))
    grant = factories.fast_track_application(bureaus[DISTRICT_A], batches=(8, 5),
                        clauses=(ExemptionClause.research_test, ExemptionClause.display),
                        department_head="刘晓敏", department_head_phone="021-64220000",
                        handler="王磊", handler_phone="13987654321")
    grant.enterprise.business_categories = db.session.scalars(select(BusinessCategory).where(
        BusinessCategory.code.in_([BusinessCategoryCode.research_testing,
                                   BusinessCategoryCode.display]))).all()
    db.session.commit()
    run_step(FastTrackWorkflow, grant.id, "submit", users["huangpu"])
    run_step(FastTrackWorkflow, grant.id, "district_review", users["huangpu"], REVIEW)
    db.session.refresh(grant)
    return grant


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def test_application_form_pdf_field_by_field(app_ctx, client_as, reviewed):
    ent = reviewed.enterprise
    response = client_as("huangpu").get(f"/reports/fasttrack/{reviewed.id}?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        cover = _squash(pdf.pages[0].extract_text())
        text = _squash("".join(p.extract_text() for p in pdf.pages[1:]))
        rows = [[_squash(c) for c in row if c is not None]
                for p in pdf.pages[1:] for t in p.extract_tables() for row in t]
    assert "CCC免办便捷通道申请表" in cover and _squash(ent.name) in cover
    assert "2026年11月20日" not in cover  # applied_on is the day of submission, not the check

    def row(first):
        found = [r for r in rows if r and r[0] == first]
        assert found, (first, rows)
        return found[0]

    assert row("单位名称")[1] == _squash(ent.name)
    assert row("统一社会信用代码")[1] == ent.uscc
    assert row("注册地址")[1] == _squash(ent.registered_address)
    assert row("经营地址")[1] == _squash(ent.business_address)
    categories = "".join(row("主要经营范围")[1:])
    assert f"{TICKED}科研测试" in categories and f"{TICKED}商业展示" in categories
    assert f"{UNTICKED}维修" in categories
    assert f"{TICKED}民营" in "".join(row("单位经济性质")[1:])
    assert row("法定代表人")[1:] == ["张伟", "电话/手机", "13812345678"]
    assert row("CCC免办部门负责人")[1:] == ["刘晓敏", "电话/手机", "021-64220000"]
    assert row("CCC免办经办人")[1:] == ["王磊", "电话/手机", "13987654321"]
    clauses = "".join("".join(r) for r in rows)
    assert f"{TICKED}{_squash(ExemptionClause.research_test.label)}" in clauses
    assert f"{TICKED}{_squash(ExemptionClause.display.label)}" in clauses
    assert f"{UNTICKED}{_squash(ExemptionClause.repair.label)}" in clauses
    assert ["微型计算机（0901）", "科研测试", "10", "洋山港", "使用后销毁"] in rows
    assert ["微型计算机（0901）", "科研测试", "8", "浦东机场", "使用"] in rows
    assert ["微型计算机（0901）", "科研测试", "5", "浦东机场", "使用"] in rows
    assert row("合计年申报批次")[1] == "10"
    assert row("预计年申报批次合计")[1] == "13"
    assert "同意推荐" in text and "2026年11月23日" in text  # opinion and its date


def test_application_form_xlsx_field_by_field(app_ctx, client_as, reviewed):
    ent = reviewed.enterprise
    response = client_as("admin").get(f"/reports/fasttrack/{reviewed.id}?format=xlsx")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in r if c.value is not None] for r in ws.iter_rows()]

    def row(first):
        found = [r for r in rows if r and r[0] == first]
        assert found, (first, rows)
        return found[0]

    assert row("单位名称")[1] == ent.name
    assert row("统一社会信用代码")[1] == ent.uscc
    assert row("法定代表人")[1:] == ["张伟", "电话/手机", "13812345678"]
    assert f"{TICKED}商业展示" in "".join(map(str, row("主要经营范围")[1:]))
    assert ["微型计算机（0901）", "科研测试", 8, "浦东机场", "使用"] in rows
    assert row("预计年申报批次合计")[1] == 13
    assert any("同意推荐" in str(v) for r in rows for v in r)


def test_unit_list_has_open_units_only_with_clauses_validity_and_district(
        app_ctx, users, bureaus, client_as, monkeypatch):
    from app import clock

    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 11, 23))
    huangpu = factories.open_fast_track(factories.fast_track_application(bureaus[DISTRICT_A], clauses=(
        ExemptionClause.research_test, ExemptionClause.export_parts)))
    pudong = factories.open_fast_track(factories.fast_track_application(bureaus[DISTRICT_B]))
    closed = factories.open_fast_track(factories.fast_track_application(bureaus[DISTRICT_A]))
    run_step(FastTrackWorkflow, closed.id, "revoke", users["admin"], {"reason": "misuse"})
    draft = factories.fast_track_application(bureaus[DISTRICT_A])

    response = client_as("admin").get("/reports/fasttrack_list?format=xlsx")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in rows if r and "使用单位名称" in r)
    by_unit = {r[header.index("使用单位名称")]: dict(zip(header, r)) for r in rows
               if r and r[header.index("使用单位名称")] not in (None, "使用单位名称")}
    line = by_unit[huangpu.enterprise.name]
    assert (line["所属区"], line["适用免办条款"], line["有效期起"], line["有效期止"]) == (
        "黄浦区", f"{ExemptionClause.research_test.label}；\n{ExemptionClause.export_parts.label}",
        dt.datetime(2026, 11, 23), dt.datetime(2028, 11, 22))  # clause names, not codes; dates
    assert line["便捷通道账号"] == huangpu.fast_track_account
    assert pudong.enterprise.name in by_unit
    assert closed.enterprise.name not in by_unit and draft.enterprise.name not in by_unit

    pdf = client_as("admin").get("/reports/fasttrack_list?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        text = _squash("".join(p.extract_text() for p in doc.pages))
    assert "CCC免办便捷通道使用单位名单" in text and _squash(huangpu.enterprise.name) in text
    # the clauses by name (a long name may wrap within its cell), never by code
    for clause in (ExemptionClause.research_test, ExemptionClause.export_parts):
        assert _squash(clause.label) in text
    assert "条款1" not in text and "条款5" not in text

    # the console's list of grants names the clauses too
    listed = client_as("admin").get(
        "/fasttrackgrantview/list/", query_string={
            "_flt_0_enterprise": huangpu.enterprise.name}).get_data(as_text=True)
    assert huangpu.enterprise.name in listed
    assert ExemptionClause.research_test.label in listed
    assert ExemptionClause.export_parts.label in listed and "条款5" not in listed

    # a district officer gets their own district's units only
    mine = client_as("pudong").get("/reports/fasttrack_list?format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(mine.data)).active
    values = {c.value for r in ws.iter_rows() for c in r}
    assert pudong.enterprise.name in values and huangpu.enterprise.name not in values


@pytest.mark.parametrize("username", ["admin", "reviewer", "auditor", "pudong"])
def test_unit_list_is_reached_from_the_fast_track_list_and_the_board(app_ctx, client_as, username):
    client = client_as(username)
    for page in ("/fasttrackgrantview/list/", "/fasttrackboard/"):
        html = client.get(page).get_data(as_text=True)
        for fmt, label in (("pdf", "使用单位名单PDF"), ("xlsx", "使用单位名单Excel")):
            assert f'href="/reports/fasttrack_list?format={fmt}"' in html and label in html, page
    download = client.get("/reports/fasttrack_list?format=xlsx")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")


def test_reports_need_a_login_and_a_known_format(app, app_ctx, client_as, reviewed):
    anonymous = app.test_client()
    assert anonymous.get(f"/reports/fasttrack/{reviewed.id}?format=pdf").status_code in (302, 401)
    assert client_as("admin").get(
        f"/reports/fasttrack/{reviewed.id}?format=docx").status_code == 400
