"""Certificates, enterprises and registry accounts in bulk."""
from __future__ import annotations

import re

from app.enums import (
    AccountStatus,
    CertificateState,
    CreditStanding,
    EconomicNature,
    FunctionCode,
)
from app.models import AccountFunction, Application, Certificate, Enterprise, ReviewerAccount
from app.policy import local
from app.security_model import DISTRICT_OFFICERS
from app.services.imports.base import (
    Column,
    ImportKind,
    Plan,
    RowError,
    Sheet,
    enum_value,
    parse_bool,
    parse_upper,
    repeated_in_file,
    text,
)
from app.services.imports.lookups import BureauFinder, by_key, existing_anywhere
from app.services.tables import parse_date

# --- certificates ------------------------------------------------------------------------

CERTIFICATE_SHEET = Sheet("免办证明", (
    Column("证明编号", "number", True, "N3101012600001"),
    Column("申请编号", "application_number", True, local("{example_application_number}"),
           target="application_id"),
    Column("签发日期", "issued_on", True, "2026-03-20", parse=parse_date),
    Column("监管期限", "supervision_deadline", True, "2027-03-19", parse=parse_date),
    Column("状态", "state", False, CertificateState.valid.value,
           parse=enum_value(CertificateState)),
    Column("核销日期", "written_off_on", False, "", parse=parse_date),
))


class CertificateImport(ImportKind):
    """Certificates the national system issued, recorded once with their dates and state
    (the record the national system holds; the console keeps it as loaded). After that a
    certificate moves only through its workflow, so a 证明编号 already recorded is refused —
    under 证明编号, with the certificate's own refusal (``Certificate.editing_refusal``)."""

    name = "certificate"
    title = "免办证明"
    model = Certificate
    sheets = (CERTIFICATE_SHEET,)
    roles = DISTRICT_OFFICERS
    refusal_column = "申请编号"
    list_endpoint = "CertificateView.list"
    note = ("补录国家系统已签发的免办证明：申请须已导入且状态为已发证；状态为已核销的须填写核销日期"
            "（保存期限自该日起算）。已登记的证明编号不能再次导入：证明签发后只能经变更、作废、延期、"
            "核销流程改变。")

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        sheet = self.sheets[0]
        rows = list(sheets[sheet.title])
        applications = by_key(Application, Application.number,
                              (text(r.get("application_number")) for r in rows))
        existing = by_key(Certificate, Certificate.number,
                          (text(r.get("number")) for r in rows))
        taken = existing_anywhere(Certificate.number, (text(r.get("number")) for r in rows))
        seen: set[str] = set()
        for row in rows:
            values = self.parse_row(sheet, row, errors)
            if values is None:
                continue
            number = values["number"]
            if repeated_in_file(seen, number, row, "证明编号", errors, "证明编号"):
                continue
            recorded = existing.get(number)
            if recorded is not None:
                errors.append(RowError(row.number, "证明编号",
                                       f"证明编号{number}已登记，不能通过导入修改。"
                                       + (recorded.editing_refusal() or "")))
                continue
            if number in taken:
                errors.append(RowError(row.number, "证明编号", f"证明编号{number}已被使用。"))
                continue
            application = applications.get(values["application_number"])
            if application is None:
                errors.append(RowError(row.number, "申请编号",
                                       f"找不到申请{values['application_number']}，或不在您的管辖范围内。"))
                continue
            if application.certificate is not None:
                errors.append(RowError(row.number, "申请编号",
                                       f"申请{application.number}已有免办证明{application.certificate.number}。"))
                continue
            record = {"issued_on": values["issued_on"],
                      "supervision_deadline": values["supervision_deadline"],
                      "state": values.get("state") or CertificateState.valid,
                      "written_off_on": values.get("written_off_on")}
            if not self.check_values(Certificate, sheet, row, record, errors):
                continue
            certificate = Certificate(number=number, application=application, **record)
            if record["state"] is CertificateState.changed:
                certificate.change_count = 1  # changed once: the one change it may have
            # an application not yet 已发证: the certificate's own refusal says why
            if self.prepare(certificate, True, sheet, row, errors):
                plan.items.append(certificate)
                plan.record(row, "新增", sheet)


# --- enterprises -------------------------------------------------------------------------

ENTERPRISE_SHEET = Sheet("申请单位", (
    Column("单位名称", "name", True, "某某电子科技有限公司"),
    Column("统一社会信用代码", "uscc", True, local("{example_uscc}"), parse=parse_upper),
    Column("注册地址", "registered_address", True, local("{example_place}某某路1号")),
    Column("经营地址", "business_address", True, local("{example_place}某某路1号")),
    Column("所属区局", "bureau", True, local("{example_bureau_short_name}"), target="bureau_id"),
    Column("单位经济性质", "economic_nature", True, EconomicNature.private.value,
           parse=enum_value(EconomicNature)),
    Column("法定代表人", "legal_representative", True, "张三"),
    Column("法定代表人电话/手机", "legal_representative_phone", False, "13812345678"),
    Column("CCC免办部门负责人", "department_head", False, "李四"),
    Column("部门负责人电话/手机", "department_head_phone", False, "021-64220000"),
    Column("CCC免办经办人", "handler", False, "王五"),
    Column("经办人电话/手机", "handler_phone", False, "13912345678"),
    Column("CCC免办系统账号", "system_account", False, "sh_demo01"),
    Column("信用状况", "credit_standing", False, CreditStanding.good.value,
           parse=enum_value(CreditStanding)),
))
ENTERPRISE_FIELDS = [c.field for c in ENTERPRISE_SHEET.columns if c.field != "bureau"]


class EnterpriseImport(ImportKind):
    name = "enterprise"
    title = "申请单位"
    model = Enterprise
    sheets = (ENTERPRISE_SHEET,)
    roles = DISTRICT_OFFICERS
    list_endpoint = "EnterpriseView.list"
    note = "按统一社会信用代码导入：新的单位新增，已登记的单位更新；所属区局须在您的管辖范围内。"

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        sheet = self.sheets[0]
        rows = list(sheets[sheet.title])
        codes = [text(r.get("uscc")).upper() for r in rows]
        existing = by_key(Enterprise, Enterprise.uscc, codes)
        taken = existing_anywhere(Enterprise.uscc, codes)
        bureaus = BureauFinder()
        seen: set[str] = set()
        for row in rows:
            values = self.parse_row(sheet, row, errors)
            if values is None:
                continue
            bureau = bureaus.for_row(sheet, row, values, errors)
            if bureau is None:
                continue
            record = {f: values.get(f) for f in ENTERPRISE_FIELDS}
            if record["credit_standing"] is None:
                record["credit_standing"] = CreditStanding.good
            if not self.check_values(Enterprise, sheet, row, record, errors):
                continue
            uscc = record["uscc"]
            if repeated_in_file(seen, uscc, row, "统一社会信用代码", errors):
                continue
            enterprise = existing.get(uscc)
            if enterprise is None and uscc in taken:
                errors.append(RowError(row.number, "统一社会信用代码",
                                       f"统一社会信用代码{uscc}已由其他区局登记，不能重复导入。"))
                continue
            creating = enterprise is None
            if creating:
                enterprise = Enterprise()
            for field, value in record.items():
                setattr(enterprise, field, value)
            enterprise.bureau = bureau
            enterprise.bureau_id = bureau.id
            if self.prepare(enterprise, creating, sheet, row, errors):
                plan.items.append(enterprise)
                plan.record(row, "新增" if creating else "更新", sheet)


# --- registry accounts (seed 003 附件2) ----------------------------------------------------

POSITIONS = ("副局长", "局长", "副处长", "处长", "副主任", "主任", "副科长", "科长", "科员",
             "办事员", "一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员")


def parse_functions(raw: str) -> list[FunctionCode]:
    found = []
    for part in re.split(r"[、,，;；/\s]+", text(raw)):
        if not part:
            continue
        member = FunctionCode.__members__.get(part)
        if member is None:
            member = next((m for m in FunctionCode if m.value == part), None)
        if member is None:
            from app.domain.errors import FieldInvalid

            raise FieldInvalid(f"“{part}”不是有效的账号功能，可选：" + "、".join(m.value for m in FunctionCode) + "。")
        if member not in found:
            found.append(member)
    return found


parse_functions.choices = [m.value for m in FunctionCode]

ACCOUNT_SHEET = Sheet("账号使用人信息", (
    Column("市场监管部门", "bureau", True, local("{example_bureau_short_name}"), target="bureau_id"),
    Column("账号使用人姓名", "holder_name", True, "张三", aliases=("账号使用人姓名",)),
    Column("所在部门", "department", False, "认证监管科"),
    Column("职务", "position", False, "科长"),
    Column("所在部门及职务", "department_position", False, ""),
    Column("科级以上行政编", "section_chief_or_above", False, "是", parse=parse_bool),
    Column("账号名称", "account_name", True, "hp_zhangsan", aliases=("当前使用账号名称",)),
    Column("账号功能", "functions", True, "初审、复审", parse=parse_functions,
           aliases=("当前使用账号功能",)),
    Column("手机号", "phone", True, "13812345678"),
    Column("状态", "status", False, AccountStatus.active.value, parse=enum_value(AccountStatus)),
    Column("备注", "remarks", False, ""),
))
ACCOUNT_FIELDS = ("holder_name", "department", "position", "section_chief_or_above",
                  "account_name", "functions", "phone", "status", "remarks")


def split_department_position(value: str) -> tuple[str, str] | None:
    for position in sorted(POSITIONS, key=len, reverse=True):
        if value.endswith(position) and len(value) > len(position):
            return value[:-len(position)], position
    return None


class AccountImport(ImportKind):
    name = "account"
    title = "系统账号"
    model = ReviewerAccount
    sheets = (ACCOUNT_SHEET,)
    roles = DISTRICT_OFFICERS
    list_endpoint = "ReviewerAccountView.list"
    note = ("可直接导入上一年度的《账号使用人信息汇总表》（附件2）：按账号名称新增或更新；"
            "复审功能的使用人须为科级以上行政编。")

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        from sqlalchemy import select

        from app.extensions import db

        sheet = self.sheets[0]
        rows = list(sheets[sheet.title])
        names = [text(r.get("account_name")) for r in rows]
        existing = by_key(ReviewerAccount, ReviewerAccount.account_name, names)
        taken = existing_anywhere(ReviewerAccount.account_name, names)
        tags = {t.code: t for t in db.session.scalars(select(AccountFunction))}
        bureaus = BureauFinder()
        seen: set[str] = set()
        for row in rows:
            values = self.parse_row(sheet, row, errors)
            if values is None:
                continue
            bureau = bureaus.for_row(sheet, row, values, errors)
            if bureau is None:
                continue
            if not (values.get("department") and values.get("position")):
                split = split_department_position(values.get("department_position") or "")
                if split is None:
                    errors.append(RowError(row.number, "所在部门",
                                           "请填写“所在部门”和“职务”（或“所在部门及职务”，如：认证监管科科长）。"))
                    continue
                values["department"], values["position"] = split
            record = {f: values.get(f) for f in ACCOUNT_FIELDS}
            record["section_chief_or_above"] = bool(record["section_chief_or_above"])
            record["status"] = record["status"] or AccountStatus.active
            if not self.check_values(ReviewerAccount, sheet, row, record, errors):
                continue
            name = record["account_name"]
            if repeated_in_file(seen, name, row, "账号名称", errors, "账号"):
                continue
            account = existing.get(name)
            if account is None and name in taken:
                errors.append(RowError(row.number, "账号名称", f"账号名称{name}已被使用。"))
                continue
            creating = account is None
            if creating:
                account = ReviewerAccount()
            for field, value in record.items():
                if field == "functions":
                    value = [tags[code] for code in value]
                setattr(account, field, value)
            account.bureau = bureau
            account.bureau_id = bureau.id
            if self.prepare(account, creating, sheet, row, errors):
                plan.items.append(account)
                plan.record(row, "新增" if creating else "更新", sheet)
