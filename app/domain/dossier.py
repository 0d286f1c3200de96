"""What an exemption application's dossier must hold, declared once (pure rules, no database).

- ``APPLICANT_TYPES``: who may apply under each clause (seed 001 申请人要求; seed 002 §3: a
  repair clause's applicant is a 维修单位 — incl. the 整机/整车集中采购商, 仓储商 and their
  指定的零部件采购商 — or the 最终用户);
- ``materials_for``: the materials (attachment kinds) each clause and second-level clause
  asks for, which of them are 必传 (seed 001 所需材料; seed 004 §2.1.3: the CCC认证送样通知书
  is required for 条款1 “CCC认证检测”; seed 002 §3: a designated parts purchaser's 委托函);
- ``REVIEW_CHECKS``: what 受理 / 初审 / 复审 check and record (seed 001 流程3; seed 002 §2).
"""
from __future__ import annotations

import dataclasses

from app.domain import validators as v
from app.enums import ApplicantType, AttachmentKind, ExemptionClause, ResearchDetail

C, A, K = ExemptionClause, ApplicantType, AttachmentKind

#: Who may apply under each clause (None: the clause names no applicant; 条款6 其他).
APPLICANT_TYPES: dict[ExemptionClause, tuple[ApplicantType, ...] | None] = {
    C.research_test: (A.research_institution, A.ccc_client),
    C.repair: (A.repair_unit, A.central_purchaser, A.warehouse, A.parts_purchaser, A.end_user),
    C.production_line: (A.using_factory,),
    C.display: (A.display_company,),
    C.export_parts: (A.using_factory,),
    C.other: None,
}

#: Every application's materials (seed 001 items 1–2 of each clause).
_COMMON = (K.business_licence, K.undertaking, K.catalogue_table)

#: Per clause: the materials after the common ones, in the order of seed 001's list.
_BY_CLAUSE: dict[ExemptionClause, tuple[AttachmentKind, ...]] = {
    C.research_test: (K.plan, K.trade_documents, K.ccc_sample_notice),
    C.repair: (K.trade_documents, K.safety_undertaking, K.entrustment_letter),
    C.production_line: (K.production_line_proof, K.trade_documents),
    C.display: (K.trade_documents, K.safety_undertaking, K.display_statement),
    C.export_parts: (K.export_contract, K.trade_documents),
    C.other: (K.trade_documents,),
}

#: Materials of the list that only some applications must upload: kind -> when it is 必传.
_REQUIRED_WHEN = {
    # seed 004 §2.1.3-3: 送样通知书 必传 only for 条款1 “CCC认证检测”
    K.ccc_sample_notice: lambda detail, applicant: detail is ResearchDetail.ccc_testing,
    # seed 002 §3: a designated parts purchaser shows the purchaser's 委托函
    K.entrustment_letter: lambda detail, applicant: applicant is A.parts_purchaser,
}

#: Materials that an enterprise's earlier application may lend (seed 004 §2.1.3-1).
REUSABLE = (K.business_licence,)

APPLICATION_MATERIALS = tuple(dict.fromkeys(_COMMON + tuple(
    k for kinds in _BY_CLAUSE.values() for k in kinds)))


@dataclasses.dataclass(frozen=True)
class Material:
    kind: AttachmentKind
    required: bool

    @property
    def code(self) -> str:
        return self.kind.name

    @property
    def label(self) -> str:
        return self.kind.label


def _member(enum_cls, value):
    code = v.code_of(value)
    return enum_cls.__members__.get(code) if code else None


def materials_for(clause, research_detail=None, applicant_type=None) -> list[Material]:
    """The material list an application of ``clause`` shows, each with its 必传 mark."""
    clause = _member(ExemptionClause, clause)
    if clause is None:
        return []
    detail = _member(ResearchDetail, research_detail)
    applicant = _member(ApplicantType, applicant_type)
    result = []
    for kind in _COMMON + _BY_CLAUSE[clause]:
        when = _REQUIRED_WHEN.get(kind)
        required = when(detail, applicant) if when else True
        if when and not required and kind is K.entrustment_letter:
            continue  # only a designated parts purchaser has one to give
        result.append(Material(kind, required))
    return result


def materials_help() -> str:
    """The material list of every clause with its 必传 marks, as the application form says it."""
    notes = {K.ccc_sample_notice: "CCC认证检测必传", K.entrustment_letter: "指定的零部件采购商必传"}
    parts = ["各条款均须" + "、".join(k.label for k in _COMMON)]
    for clause in ExemptionClause:
        parts.append(f"{clause.short_label}另须" + "、".join(
            k.label + (f"（{notes[k]}）" if k in notes else "") for k in _BY_CLAUSE[clause]))
    return "必传材料（保存后在申请页面上传）：" + "；".join(parts) + "。"


def required_materials(clause, research_detail=None, applicant_type=None) -> list[AttachmentKind]:
    return [m.kind for m in materials_for(clause, research_detail, applicant_type) if m.required]


def applicant_type_refusal(clause, applicant_type) -> str | None:
    """Why ``applicant_type`` may not apply under ``clause`` (seed 001 申请人要求), or None."""
    clause = _member(ExemptionClause, clause)
    applicant = _member(ApplicantType, applicant_type)
    if clause is None or applicant is None:
        return None
    allowed = APPLICANT_TYPES.get(clause)
    if allowed is None or applicant in allowed:
        return None
    return (f"{clause.short_label}（{clause.label}）的申请人应为："
            + "、".join(a.label for a in allowed) + f"；“{applicant.label}”不能按此条款申请。")


def applicant_types_help() -> str:
    return "；".join(f"{c.short_label}：" + ("、".join(a.label for a in allowed) if allowed else "不限")
                    for c, allowed in APPLICANT_TYPES.items()) + "。条款1、条款2必选。"


def applicant_matches_clause(values):
    """Record rule of an application, run at every door (console, API, imports)."""
    refusal = applicant_type_refusal(values.get("clause"), values.get("applicant_type"))
    if refusal:
        yield "applicant_type", refusal


# --- the recorded review (seed 001 流程3; seed 002 §2) --------------------------------------


@dataclasses.dataclass(frozen=True)
class ReviewCheck:
    code: str
    label: str
    help: str = ""


REVIEW_CHECKS: tuple[ReviewCheck, ...] = (
    ReviewCheck("catalogue", "申报产品属于CCC目录内产品",
                "对照《强制性产品认证目录描述与界定表》核对每个产品的小类"),
    ReviewCheck("applicant", "申请人身份符合该条款的申请人要求",
                "如条款2须为维修单位（含集中采购商、仓储商、其指定的零部件采购商）或最终用户"),
    ReviewCheck("materials", "申请材料齐全，与材料清单一致"),
    ReviewCheck("licence_scope", "营业执照经营范围包含申请免办产品相关的业务活动"),
    ReviewCheck("undertaking_use", "后续管理承诺书填写了申请免办产品的用途"),
    ReviewCheck("documents_match", "进口合同、发票或提单附有产品明细，与申报产品一致"),
)


def review_refusal(results: dict[str, tuple[bool | None, str | None]], passing: bool) -> dict:
    """Problems of a review's checks ({code: (✓ True / ✗ False / None not given, remark)}):
    a passing step needs every check ✓; a return needs at least one ✗; every ✗ says why.
    Returns {field: [message]} (empty: the review may be recorded)."""
    errors: dict[str, list[str]] = {}
    for check in REVIEW_CHECKS:
        ok, remark = results.get(check.code, (None, None))
        if ok is False and not (remark or "").strip():
            errors[f"remark_{check.code}"] = [f"“{check.label}”不符合，请在备注中写明原因。"]
        if passing and ok is not True:
            errors.setdefault(f"check_{check.code}", []).append(
                f"“{check.label}”未核对为符合：审核通过须每项核对均符合（✓），不符合的请退回。"
                if ok is False else f"请核对“{check.label}”。")
    if not passing and not any(ok is False for ok, _remark in results.values()):
        errors["_schema"] = ["退回须至少有一项核对为不符合（✗），并写明原因。"]
    return errors
