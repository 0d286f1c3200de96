"""The official tables, declared once each with the seed's title, header block, columns
(same order, same words) and footnotes, and the queries that fill them."""
from __future__ import annotations

from app import clock
from app.clock import chinese_date
from app.enums import AccountChangeKind
from app.models import AccountChangeFiling, AnnualAccountReport
from app.present import functions_text
from app.reports.engine import GROUP, Column, HeaderField, ReportData, ReportDeclaration
from app.services.bureau_tree import city_of, group_title

FUNCTION_NOTE = "初审、复审、发证、监管、管理员"


# --- seed 003 附件1 ----------------------------------------------------------------------

ACCOUNT_CHANGE_TABLE = ReportDeclaration(
    code="account_change",
    title="CCC免办及特殊用途进口产品检测处理管理系统账号调整需求信息报表",
    header_fields=(HeaderField("填报单位", "bureau"),
                   HeaderField("填报日期", "filed_on", right=True)),
    columns=(
        Column("kind", "账  号\n调整方式", 1.0),
        Column("bureau", "地方市场\n监管部门", 1.6),
        Column("before", "原账号\n功  能", 1.3),
        Column("after", "当  前\n账号功能", 1.3),
        Column("holder", "账号\n使用人\n姓名", 0.9),
        Column("position", "所在部门\n及职务", 1.3),
        Column("phone", "手机号", 1.2, kind="phone"),
        Column("letter", "来函标题\n及文号", 1.6, "left"),
        Column("contact", "区局联系人", 1.4, "left"),
        Column("remarks", "备注", 1.0, "left"),
    ),
    footnotes=("备注：1．账号调整方式填写：开通、注销、增加功能、减少功能。",
               f"2．账号功能填写：{FUNCTION_NOTE}。"),
    min_rows=6,
    annex="附件1",
)


def account_change_data(filing: AccountChangeFiling) -> ReportData:
    rows = []
    for req in filing.requests:
        before = "无" if req.kind is AccountChangeKind.open else functions_text(req.functions_before)
        after = "无" if req.kind is AccountChangeKind.close else functions_text(req.functions_after)
        rows.append({"kind": req.kind.label, "bureau": req.bureau.name, "before": before,
                     "after": after, "holder": req.holder_name,
                     "position": f"{req.department}{req.position}" if req.department not in
                     req.position else req.position,
                     "phone": req.phone, "letter": req.letter_ref,
                     "contact": req.district_contact, "remarks": req.remarks})
    return ReportData(header={"bureau": filing.bureau.name,
                              "filed_on": chinese_date(filing.filed_on)}, rows=rows)


# --- seed 003 附件2 ----------------------------------------------------------------------

ACCOUNT_HOLDERS_TABLE = ReportDeclaration(
    code="account_holders",
    title="CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表",
    header_fields=(HeaderField("填报单位", "bureau"), HeaderField("填报人", "filer"),
                   HeaderField("所在部门", "department"),
                   HeaderField("填报日期", "filed_on", right=True)),
    columns=(
        Column("bureau", "市场监管部门", 2.4),
        Column("holder", "账号使用人\n姓  名", 1.0),
        Column("position", "所在部门及职务", 1.6),
        Column("account", "当前使用\n账号名称", 1.2),
        Column("functions", "当前使用\n账号功能", 1.5),
        Column("phone", "手机号", 1.2, kind="phone"),
        Column("remarks", "备注", 0.9, "left"),
    ),
    footnotes=(f"备注：当前账号功能填写：{FUNCTION_NOTE}。",),
    min_rows=7,
    annex="附件2",
)


def _holder_rows(reports) -> list[dict]:
    return [{"bureau": line.bureau_name, "holder": line.holder_name,
             "position": line.department_position, "account": line.account_name,
             "functions": line.functions, "phone": line.phone, "remarks": line.remarks}
            for report in reports for line in report.lines]


def annual_report_data(report: AnnualAccountReport) -> ReportData:
    return ReportData(header={"bureau": report.bureau.name, "filer": report.filer_name,
                              "department": report.filer_department,
                              "filed_on": chinese_date(report.filed_on or clock.today())},
                      rows=_holder_rows([report]))


def annual_rollup_data(bureau_name: str, filer: str, department: str,
                       reports: list[AnnualAccountReport]) -> ReportData:
    """The roll-up of ``reports`` (in tree order, ``rollup_reports``) filed by ``bureau_name``.
    In a province of cities each city's reports are preceded by a heading line naming the city
    and its totals (附件2 by city, then province); a municipality's roll-up has none."""
    rows: list[dict] = []
    groups: list[tuple[object, list[AnnualAccountReport]]] = []
    for report in reports:
        city = city_of(report.bureau)
        if not groups or groups[-1][0] is not city:
            groups.append((city, []))
        groups[-1][1].append(report)
    for city, members in groups:
        lines = _holder_rows(members)
        if city is not None:
            rows.append({GROUP: group_title(city, len(members), len(lines))})
        rows.extend(lines)
    return ReportData(header={"bureau": bureau_name, "filer": filer, "department": department,
                              "filed_on": chinese_date(clock.today())}, rows=rows)


# --- seed 003 §一–二: 便捷通道使用单位名单 ----------------------------------------------------

FAST_TRACK_LIST = ReportDeclaration(
    code="fast_track_units",
    title="CCC免办便捷通道使用单位名单",
    header_fields=(HeaderField("填报单位", "bureau"), HeaderField("截至日期", "as_of", right=True)),
    # the clauses by their names, one a line (``clause_names``): the widest column; the
    # unit's name, the USCC and the dates keep the room for one line each
    columns=(
        Column("unit", "使用单位名称", 1.62, "left"),
        Column("uscc", "统一社会信用代码", 1.2),
        Column("district", "所属区", 0.5),
        Column("clauses", "适用免办条款", 1.66, "left"),
        Column("account", "便捷通道账号", 0.7),
        Column("valid_from", "有效期起", 0.67, kind="date"),
        Column("valid_to", "有效期止", 0.67, kind="date"),
        Column("remarks", "备注", 0.68, "left"),
    ),
)


def clause_names(clauses) -> str:
    """A grant's clauses as the 名单 prints them: their names (``ExemptionClause``), in clause
    order, each on its own line and closed by 「；」 but the last (a name may wrap)."""
    return "；\n".join(c.label for c in sorted((t.code for t in clauses), key=lambda c: c.number))


def fast_track_list_data(bureau_name: str, grants) -> ReportData:
    rows = []
    for grant in grants:
        renewed = [r for r in grant.renewals if r.new_valid_to]
        rows.append({
            "unit": grant.enterprise.name, "uscc": grant.enterprise.uscc,
            "district": grant.enterprise.bureau.short_name,
            "clauses": clause_names(grant.clauses),
            "account": grant.fast_track_account,
            "valid_from": grant.valid_from, "valid_to": grant.valid_to,
            "remarks": f"已延用至\n{renewed[-1].new_valid_to:%Y-%m-%d}" if renewed else ""})
    return ReportData(header={"bureau": bureau_name, "as_of": chinese_date(clock.today())},
                      rows=rows)


# --- seed 000 附件2: CCC免办便捷通道申请表 --------------------------------------------------------

def fast_track_form(grant):
    """The application's data as the form prints it (rendered by ``app.reports.forms``)."""
    from app.enums import ProductListPeriod
    from app.reports.forms import FastTrackForm, ProductListRow

    ent = grant.enterprise

    def rows(period):
        return [ProductListRow(category=f"{line.ccc_category.product_name}（{line.ccc_code}）",
                               purpose=line.purpose, batches=line.annual_batches,
                               port=line.entry_port, handling=line.handling)
                for line in grant.lines if line.period is period]

    return FastTrackForm(
        unit_name=ent.name, uscc=ent.uscc, registered_address=ent.registered_address,
        business_address=ent.business_address,
        business_categories=[c.label for c in ent.business_categories],
        economic_nature=ent.economic_nature.label if ent.economic_nature else None,
        legal_representative=ent.legal_representative,
        legal_representative_phone=ent.legal_representative_phone or "",
        department_head=ent.department_head or "",
        department_head_phone=ent.department_head_phone or "",
        handler=ent.handler or "", handler_phone=ent.handler_phone or "",
        clauses=[c.label for c in grant.clauses],
        past_products=rows(ProductListPeriod.past),
        expected_products=rows(ProductListPeriod.expected),
        self_commitment=bool(grant.self_commitment),
        applied_on=grant.applied_on,
        district_opinion=grant.district_opinion,
        district_opinion_date=grant.district_reviewed_at.date() if grant.district_reviewed_at
        else None,
        remarks=grant.remarks)
