"""Applications with their products from the national system's lists."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from app.commands.imports import preview_import, run_import
from app.domain.errors import RuleViolation
from app.enums import AddressType, ApplicationState
from app.extensions import db
from app.models import Application, ImportBatch, Product
from app.scope import check_carried_owners
from app.services.applications import approve_due, return_due
from app.services.audit import record_history
from app.services.imports.applications import APPLICATION_SHEET, PRODUCT_SHEET
from app.services.imports.base import RowsRefused
from app.services.imports.registry import KINDS
from app.workflows import run_step
from app.workflows.application import ApplicationWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B
from tests.imports.helpers import as_user, csv_bytes, xlsx

APP_HEADERS = [c.header for c in APPLICATION_SHEET.columns]
PRODUCT_HEADERS = [c.header for c in PRODUCT_SHEET.columns]


def app_row(number, uscc, *, bureau="黄浦区", submitted="2026-03-16 09:30:00", state="已提交",
            clause="直接为最终用户维修目的所需的零部件/产品", applicant="最终用户", address_type=""):
    return [number, uscc, clause, "", applicant, "上海市黄浦区", address_type, "上海市黄浦区",
            bureau, "MSKU1234567", "", "", "维修所需备件。", submitted, state]


def product_row(number, name="服务器电源", quantity=5):
    return [number, "8471500000", name, "0901", "PSU-1", "ACME", "ACME Corp.", quantity, "台",
            "", "100.00", "美元"]


def workbook(apps, products):
    return xlsx(("免办申请", [APP_HEADERS] + apps), ("产品", [PRODUCT_HEADERS] + products))


@pytest.fixture()
def unit(app_ctx, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    return ent


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_good_file_creates_exactly_its_rows_and_keeps_national_numbers(app, unit, users):
    file = workbook([app_row("A9001", unit.uscc), app_row("A9002", unit.uscc, state="未提交",
                                                          submitted="")],
                    [product_row("A9001"), product_row("A9001", "风扇"), product_row("A9002")])
    batches = _count(ImportBatch)
    with as_user(app, users["huangpu"]):
        preview = preview_import(KINDS["application"](), file, "申请.xlsx")
        assert (preview.created, preview.updated) == (2, 0)
        assert _count(Application, Application.number.in_(["A9001", "A9002"])) == 0
        plan = run_import(KINDS["application"](), file, "申请.xlsx")
    assert (plan.created, plan.updated) == (2, 0)
    first = db.session.scalar(select(Application).where(Application.number == "A9001"))
    assert first.state is ApplicationState.submitted
    assert first.submitted_at == dt.datetime(2026, 3, 16, 9, 30)
    assert [p.name for p in first.products] == ["服务器电源", "风扇"]
    assert _count(Product, Product.application_id == first.id) == 2
    # deadlines count from the national 提交时间 (2026-03-16, a Monday): 5 and 2 working days
    assert approve_due(first) == dt.date(2026, 3, 23)
    assert return_due(first) == dt.date(2026, 3, 18)
    # what the ORM's save keeps on the rows, the batched insert keeps too: the stored due date
    # (审核时限 sorts by it) and the products' carried owner (the district's lists filter on it)
    assert first.approve_due_on == dt.date(2026, 3, 23)
    # ... and its 审核时限 sort keys (in review: the due date both ways; a draft: last both ways)
    assert (first.due_sort_asc, first.due_sort_desc) == (dt.date(2026, 3, 23),) * 2
    draft = db.session.scalar(select(Application).where(Application.number == "A9002"))
    assert (draft.due_sort_asc, draft.due_sort_desc) == (dt.date(9999, 12, 31), dt.date(1, 1, 1))
    assert {p.owner_bureau_id for p in first.products} == {unit.bureau_id}
    assert check_carried_owners() == {}
    assert _count(ImportBatch) == batches + 1
    # the audit trail: each record's 历史 shows its creation, by the importing user
    history = record_history(Application, first.id)
    assert [h.operation for h in history] == ["新增"]
    assert "黄" in history[0].user
    assert record_history(Product, first.products[0].id)[0].operation == "新增"


def test_one_bad_row_writes_nothing_and_names_row_and_column(app, unit, users):
    file = workbook([app_row("A9101", unit.uscc), app_row("A9102", unit.uscc, clause="条款九")],
                    [product_row("A9101"), product_row("A9102", quantity=0)])
    with as_user(app, users["huangpu"]), pytest.raises(RowsRefused) as refused:
        run_import(KINDS["application"](), file, "申请.xlsx")
    found = {(e.sheet, e.row, e.field) for e in refused.value.errors}
    assert (None, 3, "免办条款") in found
    assert ("产品", 3, "数量") in found
    assert _count(Application, Application.number.in_(["A9101", "A9102"])) == 0


def test_district_officer_cannot_import_into_another_district(app, unit, users, bureaus):
    other = factories.enterprise(bureaus[DISTRICT_B])
    db.session.commit()
    file = workbook([app_row("A9201", unit.uscc), app_row("A9202", other.uscc),
                     app_row("A9203", unit.uscc, bureau="浦东新区")],
                    [product_row("A9201"), product_row("A9202"), product_row("A9203")])
    with as_user(app, users["huangpu"]), pytest.raises(RowsRefused) as refused:
        run_import(KINDS["application"](), file, "申请.xlsx")
    found = {(e.row, e.field) for e in refused.value.errors}
    assert found == {(3, "申请单位统一社会信用代码"), (4, "受理市场监督管理局")}, refused.value.errors
    assert _count(Application, Application.number.like("A92%")) == 0


def test_reimport_updates_a_draft_and_refuses_a_submitted_one(app, unit, users):
    draft = factories.application(unit, number="A9301")
    factories.application(unit, number="A9302", state=ApplicationState.submitted,
                          submitted_at=dt.datetime(2026, 3, 2, 9))
    db.session.commit()
    with as_user(app, users["huangpu"]):
        plan = run_import(KINDS["application"](), workbook(
            [app_row("A9301", unit.uscc, state="未提交", submitted="")],
            [product_row("A9301", "新产品")]), "申请.xlsx")
        assert (plan.created, plan.updated) == (0, 1)
        db.session.refresh(draft)
        assert [p.name for p in draft.products] == ["新产品"]
        assert draft.reason == "维修所需备件。"
        with pytest.raises(RowsRefused) as refused:
            run_import(KINDS["application"](), workbook(
                [app_row("A9302", unit.uscc)], [product_row("A9302")]), "申请.xlsx")
    (error,) = refused.value.errors
    assert (error.row, error.field) == (2, "申请编号")
    assert "已提交" in error.message


def test_gb18030_csv_reads_right(app, unit, users):
    rows = [APP_HEADERS, app_row("A9401", unit.uscc, state="未提交", submitted="")]
    with as_user(app, users["huangpu"]):
        plan = run_import(KINDS["application"](), csv_bytes(rows, "gb18030"), "申请.csv")
    assert plan.created == 1
    item = db.session.scalar(select(Application).where(Application.number == "A9401"))
    assert item.reason == "维修所需备件。"
    assert item.final_use_place == "上海市黄浦区"


def test_clause2_with_a_testing_institute_refused_on_import(app, unit, users):
    """The applicant-type rule of seed 001 at the import door: the row names 申请人类型."""
    file = workbook([app_row("A9501", unit.uscc, applicant="研究、开发、测试机构"),
                     app_row("A9502", unit.uscc, applicant="维修单位")],
                    [product_row("A9501"), product_row("A9502")])
    with as_user(app, users["huangpu"]), pytest.raises(RowsRefused) as refused:
        run_import(KINDS["application"](), file, "申请.xlsx")
    (error,) = refused.value.errors
    assert (error.row, error.field) == (2, "申请人类型")
    assert "条款2" in error.message and "不能按此条款申请" in error.message
    assert _count(Application, Application.number.in_(["A9501", "A9502"])) == 0


def test_address_type_column(app, unit, users):
    """地址类型 (seed 004 §2.1.1-3): optional, 注册地址 when blank, a clause's own place only
    for its clause (维修地 for 条款2; 检测地 refused on a 条款2 row)."""
    assert "地址类型" in APP_HEADERS
    template = KINDS["application"]().template()
    sheet = openpyxl.load_workbook(io.BytesIO(template))["免办申请"]
    headers = [c.value for c in sheet[1]]
    assert headers.index("地址类型") == headers.index("申请单位所在地") + 1
    with as_user(app, users["huangpu"]), pytest.raises(RowsRefused) as refused:
        run_import(KINDS["application"](), workbook(
            [app_row("A9601", unit.uscc, address_type="检测地")], [product_row("A9601")]),
            "申请.xlsx")
    (error,) = refused.value.errors
    assert (error.row, error.field) == (2, "地址类型") and "检测地" in error.message
    with as_user(app, users["huangpu"]):
        run_import(KINDS["application"](), workbook(
            [app_row("A9602", unit.uscc), app_row("A9603", unit.uscc, address_type="维修地"),
             app_row("A9604", unit.uscc, address_type="business")],
            [product_row("A9602"), product_row("A9603"), product_row("A9604")]), "申请.xlsx")
    found = {a.number: a.address_type for a in db.session.scalars(
        select(Application).where(Application.number.in_(["A9602", "A9603", "A9604"])))}
    assert found == {"A9602": AddressType.registered, "A9603": AddressType.repair,
                     "A9604": AddressType.business}


def test_an_application_loaded_as_second_reviewed_is_kept_as_loaded(app, unit, users):
    """A record loaded in a later state is the national system's: the console does not
    issue it on the import's word — 发证 needs the 复审 recorded here."""
    with as_user(app, users["huangpu"]):
        run_import(KINDS["application"](), workbook(
            [app_row("A9701", unit.uscc, state="已复审")], [product_row("A9701")]), "申请.xlsx")
    loaded = db.session.scalar(select(Application).where(Application.number == "A9701"))
    assert loaded.state is ApplicationState.second_reviewed and not loaded.reviews
    with pytest.raises(RuleViolation, match="没有本轮复审的核对记录"):
        run_step(ApplicationWorkflow, loaded.id, "issue", users["reviewer"])
    db.session.refresh(loaded)
    assert loaded.state is ApplicationState.second_reviewed and loaded.certificate is None
