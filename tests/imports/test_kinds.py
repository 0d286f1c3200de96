"""Each kind of import: good files create exactly their rows, a bad row writes nothing and
is named by row and column, a district officer cannot reach another district, and the
reference tables are checked as the official notices are."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.commands.imports import run_import
from app.enums import ApplicationState, CalendarDayKind, FunctionCode
from app.extensions import db
from app.models import (
    Application,
    Bureau,
    CalendarDay,
    CalendarYear,
    CccCategory,
    Certificate,
    CustomsUsage,
    FastTrackProductLine,
    Product,
    ReviewerAccount,
)
from app.services.applications import approve_due, return_due
from app.services.imports.base import RowsRefused
from app.services.imports.registry import KINDS
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B
from tests.imports.helpers import as_user, csv_bytes, xlsx


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _refused(app, user, kind, file, name="f.xlsx", **context):
    with as_user(app, user), pytest.raises(RowsRefused) as refused:
        run_import(KINDS[kind](**context), file, name)
    return {(e.row, e.field) for e in refused.value.errors}, refused.value.errors


def _run(app, user, kind, file, name="f.xlsx", **context):
    with as_user(app, user):
        return run_import(KINDS[kind](**context), file, name)


# --- certificates ------------------------------------------------------------------------

CERT_HEADERS = ["证明编号", "申请编号", "签发日期", "监管期限", "状态"]


def test_certificates(app, app_ctx, bureaus, users):
    unit = factories.enterprise(bureaus[DISTRICT_A])
    issued = factories.application(unit, state=ApplicationState.issued,
                                   submitted_at=dt.datetime(2026, 3, 2, 9))
    draft = factories.application(unit)
    second = factories.application(unit, state=ApplicationState.issued,
                                   submitted_at=dt.datetime(2026, 3, 2, 9))
    other = factories.application(factories.enterprise(bureaus[DISTRICT_B]),
                                  state=ApplicationState.issued,
                                  submitted_at=dt.datetime(2026, 3, 2, 9))
    db.session.commit()
    good = [CERT_HEADERS, ["NX0001", issued.number, "2026-03-06", "2027-03-05", "有效"]]
    found, errors = _refused(app, users["huangpu"], "certificate", xlsx(("免办证明", good + [
        ["NX0002", draft.number, "2026-03-06", "2027-03-05", ""],
        ["NX0003", other.number, "2026-03-06", "2027-03-05", ""],
        ["NX0004", second.number, "2026-03-06", "2026-01-01", ""],
        ["NX0005", issued.number, "2026-03-06", "2027-03-05", ""]])))
    # row 6: the application gets its certificate in row 2 already
    assert found == {(3, "申请编号"), (4, "申请编号"), (5, "监管期限"), (6, "申请编号")}
    assert "已发证" in next(e.message for e in errors if e.row == 3)
    assert _count(Certificate, Certificate.number.like("NX%")) == 0
    plan = _run(app, users["huangpu"], "certificate", xlsx(("免办证明", good)))
    assert (plan.created, plan.updated) == (1, 0)
    cert = db.session.scalar(select(Certificate).where(Certificate.number == "NX0001"))
    assert cert.application_id == issued.id and cert.supervision_deadline == dt.date(2027, 3, 5)


def test_certificate_reimport_is_refused_under_its_number(app, app_ctx, bureaus, users):
    """A certificate is recorded once: a 证明编号 already there is refused — under 证明编号,
    with the certificate's own refusal — whether the row moves its dates, its state or
    nothing, and the certificate stays as it was."""
    unit = factories.enterprise(bureaus[DISTRICT_A])
    issued = factories.application(unit, state=ApplicationState.issued,
                                   submitted_at=dt.datetime(2026, 3, 2, 9))
    db.session.commit()
    first = ["NX0101", issued.number, "2026-03-06", "2027-03-05", "有效"]
    assert _run(app, users["huangpu"], "certificate",
                xlsx(("免办证明", [CERT_HEADERS, first]))).created == 1
    again = [first, ["NX0101", issued.number, "2026-03-06", "2029-03-05", "已核销"]]
    for row in again:
        found, errors = _refused(app, users["huangpu"], "certificate",
                                 xlsx(("免办证明", [CERT_HEADERS, row])))
        assert found == {(2, "证明编号")}
        assert "已登记，不能通过导入修改" in errors[0].message
        assert "签发日期和监管期限不能直接修改" in errors[0].message
    db.session.expire_all()
    cert = db.session.scalar(select(Certificate).where(Certificate.number == "NX0101"))
    assert cert.supervision_deadline == dt.date(2027, 3, 5) and cert.state.value == "有效"
    note = KINDS["certificate"]().note
    assert "不能再次导入" in note and "会更新" not in note


def test_certificate_loaded_as_written_off_keeps_its_write_off_date(app, app_ctx, bureaus,
                                                                    users):
    """已核销 from the national system comes with its 核销日期: the 保存期限 counts from it
    (seed 001 流程7); no date, a date on another state, before issue or in the future is
    refused by row under 核销日期."""
    from app import clock
    from app.enums import CertificateState

    unit = factories.enterprise(bureaus[DISTRICT_A])
    apps = [factories.application(unit, state=ApplicationState.issued,
                                  submitted_at=dt.datetime(2026, 3, 2, 9)) for _ in range(6)]
    db.session.commit()
    headers = CERT_HEADERS + ["核销日期"]
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    bad = [["NX0201", apps[0].number, "2026-03-06", "2027-03-05", "已核销", ""],
           ["NX0202", apps[1].number, "2026-03-06", "2027-03-05", "有效", "2026-06-01"],
           ["NX0203", apps[2].number, "2026-03-06", "2027-03-05", "已核销", "2026-03-05"],
           ["NX0204", apps[3].number, "2026-03-06", "2027-03-05", "已核销", tomorrow]]
    found, errors = _refused(app, users["huangpu"], "certificate",
                             xlsx(("免办证明", [headers] + bad)))
    assert found == {(2, "核销日期"), (3, "核销日期"), (4, "核销日期"), (5, "核销日期")}
    good = [["NX0205", apps[4].number, "2026-03-06", "2027-03-05", "已核销", "2026-06-01"],
            ["NX0206", apps[5].number, "2026-03-06", "2027-03-05", "已变更", ""]]
    assert _run(app, users["huangpu"], "certificate",
                xlsx(("免办证明", [headers] + good))).created == 2
    written_off = db.session.scalar(select(Certificate).where(Certificate.number == "NX0205"))
    assert written_off.state is CertificateState.written_off
    assert written_off.written_off_on == dt.date(2026, 6, 1)
    assert written_off.retention_until == dt.date(2028, 6, 1)
    changed = db.session.scalar(select(Certificate).where(Certificate.number == "NX0206"))
    assert changed.change_count == 1 and changed.written_off_on is None


# --- enterprises and registry accounts ----------------------------------------------------

ACCOUNT_HEADERS = ["序号", "市场监管部门", "账号使用人\n姓  名", "所在部门及职务", "科级以上行政编",
                   "当前使用\n账号名称", "当前使用\n账号功能", "手机号", "备注"]


def test_accounts_from_last_years_table(app, app_ctx, users):
    rows = [ACCOUNT_HEADERS,
            [1, "黄浦区", "张三", "认证监管科科长", "是", "hp_imp_zhang", "初审、复审", "13812345678", ""],
            [2, "黄浦区", "李四", "认证监管科科员", "否", "hp_imp_li", "初审", "13812345679", ""]]
    plan = _run(app, users["huangpu"], "account", xlsx(("附件2", rows)))
    assert (plan.created, plan.updated) == (2, 0)
    zhang = db.session.scalar(select(ReviewerAccount)
                              .where(ReviewerAccount.account_name == "hp_imp_zhang"))
    assert (zhang.department, zhang.position) == ("认证监管科", "科长")
    assert {f.code for f in zhang.functions} == {FunctionCode.first_review,
                                                 FunctionCode.second_review}
    found, errors = _refused(app, users["huangpu"], "account", xlsx(("附件2", [
        ACCOUNT_HEADERS,
        [1, "黄浦区", "王五", "认证监管科科员", "否", "hp_imp_wang", "复审", "13812345670", ""],
        [2, "不存在区", "赵六", "认证监管科科员", "否", "hp_imp_zhao", "初审", "13812345671", ""],
        [3, "浦东新区", "钱七", "认证监管科科员", "否", "hp_imp_qian", "初审", "13812345672", ""],
        [4, "黄浦区", "孙八", "认证监管科科员", "否", "hp_imp_sun", "初审", "13812345673", ""]])))
    assert found == {(2, "账号功能"), (3, "市场监管部门"), (4, "市场监管部门")}
    assert "科级以上" in next(e.message for e in errors if e.row == 2)
    assert _count(ReviewerAccount, ReviewerAccount.account_name == "hp_imp_sun") == 0


# --- customs usage -------------------------------------------------------------------------

def test_customs_usage_as_a_kind(app, app_ctx, bureaus, users):
    cert = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                                       state=ApplicationState.issued))
    db.session.commit()
    header = ["证明编号", "报关单号", "入境口岸", "调用日期", "数量"]
    day = cert.issued_on.isoformat()
    found, _ = _refused(app, users["admin"], "customs_usage", csv_bytes([
        header, [cert.number, "220120261000900001", "洋山港", day, "1"],
        [cert.number, "22012026", "洋山港", day, "1"]], "gb18030"), "c.csv")
    assert found == {(3, "报关单号")}
    plan = _run(app, users["admin"], "customs_usage", csv_bytes([
        header, [cert.number, "220120261000900001", "洋山港", day, "1"]], "gb18030"), "c.csv")
    assert plan.created == 1
    assert _count(CustomsUsage, CustomsUsage.certificate_id == cert.id) == 1


# --- an application's products and a fast-track grant's product list ----------------------

PRODUCT_HEADERS = ["申请编号", "HS编码", "产品名称", "CCC产品小类代码", "型号规格", "商标/品牌", "制造商",
                   "数量", "单位", "重量（千克）", "金额", "币种"]


def test_products_of_one_application(app, app_ctx, bureaus, users):
    draft = factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=0)
    db.session.commit()
    line = ["", "8471500000", "电源", "0901", "P-1", "ACME", "ACME", "3", "台", "", "10", "美元"]
    found, _ = _refused(app, users["huangpu"], "product", xlsx(("产品", [
        PRODUCT_HEADERS, line, line[:3] + ["9999"] + line[4:]])), application_id=draft.id)
    assert found == {(3, "CCC产品小类代码")}
    plan = _run(app, users["huangpu"], "product", xlsx(("产品", [PRODUCT_HEADERS, line, line])),
                application_id=draft.id)
    assert plan.created == 2
    assert _count(Product, Product.application_id == draft.id) == 2
    found, _ = _refused(app, users["pudong"], "product", xlsx(("产品", [PRODUCT_HEADERS, line])),
                        application_id=draft.id)
    assert found == {(1, "申请编号")}


def test_fast_track_product_list(app, app_ctx, bureaus, users):
    grant = factories.fast_track_application(bureaus[DISTRICT_A])
    db.session.commit()
    before = _count(FastTrackProductLine, FastTrackProductLine.grant_id == grant.id)
    header = ["清单", "产品小类代码", "用途", "批次（年均）", "入境口岸", "产品入关后的处理方式"]
    found, _ = _refused(app, users["huangpu"], "fasttrack_line", xlsx(("产品清单", [
        header, ["预计", "0901", "研发", "4", "洋山港", "使用"],
        ["明年", "0901", "研发", "4", "洋山港", "使用"],
        ["预计", "0901", "研发", "0", "洋山港", "使用"]])), grant_id=grant.id)
    assert found == {(3, "清单"), (4, "批次（年均）")}
    plan = _run(app, users["huangpu"], "fasttrack_line", xlsx(("产品清单", [
        header, ["预计", "0901", "研发", "4", "洋山港", "使用"],
        ["过去两年", "0902", "测试", "2", "浦东机场", "退运"]])), grant_id=grant.id)
    assert plan.created == 2
    assert _count(FastTrackProductLine, FastTrackProductLine.grant_id == grant.id) == before + 2


# --- reference tables ------------------------------------------------------------------------

def test_ccc_catalogue_in_the_official_layout(app, app_ctx, users):
    header = ["序号", "产品大类", "产品种类代码", "产品种类", "产品描述/界定", "HS编码示例"]
    found, _ = _refused(app, users["admin"], "ccc_category", xlsx(("目录", [
        header, ["九", "信息技术设备", "8768", "测试产品", "用于测试的说明", ""],
        ["九", "信息技术设备", "99A", "坏代码", "", ""]])))
    assert found == {(3, "产品小类代码")}
    plan = _run(app, users["admin"], "ccc_category", xlsx(("目录", [
        header, ["九", "信息技术设备", "8768", "测试产品", "旧的说明", ""],
        ["九", "信息技术设备", "8769", "测试产品二", "", "8471300000"]])))
    assert (plan.created, plan.updated) == (2, 0)
    plan = _run(app, users["admin"], "ccc_category", xlsx(("目录", [
        header, ["九", "信息技术设备", "8768", "测试产品", "用于测试的说明", ""]])))
    assert (plan.created, plan.updated) == (0, 1)
    assert db.session.get(CccCategory, "8768").scope_notes == "用于测试的说明"


def test_a_code_twice_in_one_file_is_refused_at_its_second_row(app, app_ctx, users):
    header = ["序号", "产品大类", "产品种类代码", "产品种类", "产品描述/界定", "HS编码示例"]
    found, errors = _refused(app, users["admin"], "ccc_category", xlsx(("目录", [
        header, ["九", "信息技术设备", "8770", "测试产品", "", ""],
        ["九", "信息技术设备", "8770", "测试产品", "", ""]])))
    assert found == {(3, "产品小类代码")}
    assert "8770在文件中重复出现" in errors[0].message
    assert db.session.get(CccCategory, "8770") is None  # all or nothing


def test_bureaus_and_division_codes(app, app_ctx, users):
    header = ["部门名称", "简称", "行政区划代码", "层级", "上级部门"]
    found, _ = _refused(app, users["admin"], "bureau", xlsx(("部门", [
        header, ["测试市场监督管理局", "测试局", "3199AB", "区县级", "上海市市场监督管理局"]])))
    assert found == {(2, "行政区划代码")}
    plan = _run(app, users["admin"], "bureau", xlsx(("部门", [
        header, ["上海市测试导入新区市场监督管理局", "测试导入新区", "469908", "区县级", "310000"]])))
    assert plan.created == 1
    made = db.session.scalar(select(Bureau).where(Bureau.division_code == "469908"))
    assert made.parent.division_code == "310000"


SCHEDULE_2027 = [
    ("2027-01-01", "放假", "元旦"), ("2027-01-02", "放假", "元旦"), ("2027-01-03", "放假", "元旦"),
    *[(f"2027-02-{d:02d}", "放假", "春节") for d in range(6, 14)],
    ("2027-02-14", "调休上班", "春节调休上班"),
    ("2027-04-03", "放假", "清明节"), ("2027-04-04", "放假", "清明节"), ("2027-04-05", "放假", "清明节"),
    ("2027-04-25", "调休上班", "劳动节调休上班"),
    *[(f"2027-05-{d:02d}", "放假", "劳动节") for d in range(1, 6)],
    ("2027-05-08", "调休上班", "劳动节调休上班"),
    ("2027-06-09", "放假", "端午节"), ("2027-09-15", "放假", "中秋节"),
    ("2027-09-26", "调休上班", "国庆节调休上班"),
    *[(f"2027-10-{d:02d}", "放假", "国庆节") for d in range(1, 8)],
    ("2027-10-09", "调休上班", "国庆节调休上班"),
]


@pytest.fixture()
def year_2027_removed_after(app_ctx):
    """Other tests rely on 2027 not being recorded yet: take the imported year out again."""
    yield
    from sqlalchemy import delete

    db.session.rollback()
    db.session.execute(delete(CalendarDay).where(
        CalendarDay.day.between(dt.date(2027, 1, 1), dt.date(2027, 12, 31))))
    db.session.execute(delete(CalendarYear).where(CalendarYear.year == 2027))
    db.session.commit()


def test_2027_schedule_is_checked_loads_and_drives_deadlines(app, app_ctx, bureaus, users,
                                                              year_2027_removed_after):
    header = ["日期", "类型", "名称"]
    rows = [header] + [list(r) for r in SCHEDULE_2027]
    # checked: one year only, 调休 days on weekends, every festival there
    found, errors = _refused(app, users["admin"], "calendar_day", xlsx(("2027", rows + [
        ["2028-01-01", "放假", "元旦"], ["2027-10-11", "调休上班", "国庆节调休上班"]])))
    assert found == {(len(rows) + 1, "日期"), (len(rows) + 2, "类型")}
    found, errors = _refused(app, users["admin"], "calendar_day", xlsx(("2027", [
        r for r in rows if r[2] != "中秋节"])))
    assert found == {(1, "名称")} and "中秋节" in errors[0].message
    plan = _run(app, users["admin"], "calendar_day",
                csv_bytes(rows, "gb18030"), "2027.csv")
    assert plan.created + plan.updated == len(SCHEDULE_2027)
    assert db.session.get(CalendarYear, 2027).complete
    assert db.session.get(CalendarDay, dt.date(2027, 10, 9)).kind is CalendarDayKind.adjusted_workday
    # an application submitted on Thursday 30 September 2027, before the National Day week
    submitted = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                      state=ApplicationState.submitted,
                                      submitted_at=dt.datetime(2027, 9, 30, 10))
    db.session.commit()
    # working days after it: 10-08 (Fri), 10-09 (调休 Saturday), 10-11, 10-12, 10-13
    assert return_due(submitted) == dt.date(2027, 10, 9)
    assert approve_due(submitted) == dt.date(2027, 10, 13)
    assert _count(Application, Application.id == submitted.id) == 1
