"""Cross-field record rules, declared on the models (``__record_rules__``) and run by every
door — console forms, API schemas, imports — before a record is saved. Each takes a mapping of
the record's values and yields ``(field, message)`` pairs; none reads the database."""
from __future__ import annotations

from app import clock
from app.domain import validators as v
from app.enums import (
    ADDRESS_TYPE_CLAUSE,
    CLAUSES_REQUIRING_APPLICANT_TYPE,
    AddressType,
    CertificateState,
    ExemptionClause,
    FunctionCode,
)


def line_has_one_owner(values):
    owners = [k for k in ("grant", "grant_id", "change", "change_id") if values.get(k)]
    has_grant = any(k.startswith("grant") for k in owners)
    has_change = any(k.startswith("change") for k in owners)
    if "grant" in values or "grant_id" in values or "change" in values or "change_id" in values:
        if has_grant == has_change:
            yield "grant", "产品清单行应属于一个便捷通道申请，或属于一项产品清单调整（二者选一）。"


def second_review_refusal(functions, section_chief_or_above) -> str | None:
    """复审岗位账号使用人应为科级以上行政编人员 (seed 003 §三)."""
    codes = {getattr(f, "code", f) for f in functions or []}
    codes = {FunctionCode[c] if isinstance(c, str) and c in FunctionCode.__members__ else c
             for c in codes}
    if FunctionCode.second_review in codes and not section_chief_or_above:
        return "复审岗位账号使用人应为科级以上行政编人员：请确认“科级以上行政编”，或去掉“复审”功能。"
    return None


def second_review_needs_section_chief(values):
    for field in ("functions", "functions_after"):
        if field in values:
            refusal = second_review_refusal(values.get(field), values.get("section_chief_or_above"))
            if refusal:
                yield field, refusal


def has_applicant_type(values):
    clause = v.code_of(values.get("clause"))
    if clause in {c.name for c in CLAUSES_REQUIRING_APPLICANT_TYPE} \
            and not v.code_of(values.get("applicant_type")):
        yield "applicant_type", "免办条款为条款1或条款2时，必须选择申请人类型。"


def address_type_matches_clause(values):
    """检测地 / 商品展示地 / 维修地 only for the clause that has such a place (seed 002 §15)."""
    kind = v.code_of(values.get("address_type"))
    clause = v.code_of(values.get("clause"))
    wanted = ADDRESS_TYPE_CLAUSE.get(kind or "")
    if wanted and clause and clause != wanted:
        yield "address_type", (f"地址类型“{AddressType[kind].label}”只适用于条款"
                               f"“{ExemptionClause[wanted].label}”；请选择注册地址或经营地址。")


def written_off_date_matches_state(values):
    """核销日期 belongs to a written-off certificate — its 保存期限 counts from it (seed 001
    流程7): a certificate recorded as 已核销 (loaded from the national system) has one, no
    other has one, and it is neither before the issue nor in the future. The review workflow
    sets it itself (``app.services.write_off``)."""
    if "state" not in values and "written_off_on" not in values:
        return
    written_off = v.code_of(values.get("state")) == CertificateState.written_off.name
    day = values.get("written_off_on")
    if written_off and day is None:
        yield "written_off_on", "状态为已核销的证明须填写核销日期（保存期限自该日起算）。"
    elif day is not None and not written_off:
        yield "written_off_on", "只有状态为已核销的证明填写核销日期。"
    elif day is not None:
        issued, today = values.get("issued_on"), clock.today()
        if issued is not None and day < issued:
            yield "written_off_on", f"核销日期早于签发日期（{issued:%Y-%m-%d}）。"
        elif day > today:
            yield "written_off_on", f"核销日期不能晚于今天（{today:%Y-%m-%d}）。"


def research_detail_matches_clause(values):
    clause = v.code_of(values.get("clause"))
    detail = v.code_of(values.get("research_detail"))
    if clause == ExemptionClause.research_test.name and not detail:
        yield "research_detail", "免办条款为“为科研、测试和认证检测所需的产品和样品”时，必须选择二级明细条款（科研/测试/CCC认证检测）。"
    if clause and clause != ExemptionClause.research_test.name and detail:
        yield "research_detail", "只有条款1（科研、测试和认证检测）需要选择二级明细条款，请清空此项。"


def fast_track_clauses_only(values):
    """便捷通道 covers clauses 1 to 5 only: the 申请表 (seed 000 附件2) has no sixth box."""
    if "clauses" not in values:
        return
    other = ExemptionClause.other
    for clause in values.get("clauses") or []:
        code = getattr(clause, "code", clause)
        if code is other or code in (other.name, other.short_label, other.label):
            yield "clauses", "便捷通道只适用于第1至5项免办条款，请去掉“其他因特殊用途”一项。"
            return
