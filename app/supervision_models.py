"""双随机 supervision (seed 002 §8–§19 and 附件1/附件2, seed 000 第十一条/第十二条, seed 001 流程8):
yearly plans, the reproducible draw of units, batches and inspectors, inspection records on the
two official checklists, findings → correction → escalation or case, and assistance letters.

Kept in its own module while the core is restructured (CONVENTIONS.md): ``app.models`` imports
it before configuring the mappers; the enumerations below move to ``app/enums.py`` and the
tables to ``app.models`` in a mechanical port. Nothing here imports a service or workflow.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain import validators as v
from app.domain.checklists import CHECKLISTS
from app.domain.errors import FieldInvalid
from app.meta import LabeledEnum, label
from app.models import (
    ACTOR_NAME_LENGTH,
    Audited,
    Bureau,
    Certificate,
    ConsoleUser,
    Enterprise,
    SanctionReason,
    TimestampMixin,
    enum_column,
)

__all__ = [
    "INSPECTION_FOLLOW_UP", "Answer", "AssistanceLetter", "ChecklistKind", "Inspection",
    "InspectionAnswer", "InspectionMethod", "InspectionOrigin", "InspectionPlan",
    "InspectionResult", "InspectionState", "InspectionTarget", "LetterDirection", "LetterState",
    "PlanState", "RemoteUse", "RemoteUseType", "ReplyResult", "SanctionMeasure", "TargetKind",
    "inspection_inspector", "inspection_target_certificate", "inspection_target_inspector",
]

# =========================================================================================
# Enumerations (to app/enums.py)
# =========================================================================================


class PlanState(LabeledEnum):
    draft = "草稿"
    published = "已发布"
    completed = "已完成"


class TargetKind(LabeledEnum):
    """类别 on the 抽查名单: drawn at the ratio, fast-track (全覆盖), key target (always)."""

    general = "一般"
    fast_track = "便捷通道"
    key = "重点"


class ChecklistKind(LabeledEnum):
    general = "一般CCC免办单位（附件1）"
    fast_track = "便捷通道使用单位（附件2）"

    @property
    def checklist(self):
        return CHECKLISTS[self.name]


class InspectionOrigin(LabeledEnum):
    plan = "双随机抽查"
    complaint = "投诉举报"
    clue = "违法违规线索"
    other = "其他"


class InspectionMethod(LabeledEnum):
    """Seed 002 §9: 网上核查和现场检查相结合."""

    onsite = "现场检查"
    online = "网上核查"


class InspectionState(LabeledEnum):
    pending = "待检查"
    passed = "合格"
    failed = "不合格"
    correcting = "整改中"
    corrected = "已整改"
    overdue = "逾期未改正"
    reported_city = "已上报市局"
    reported_samr = "已报总局"
    case_opened = "已立案调查"


#: Inspections whose findings are still being followed up (the board's 跟进中).
INSPECTION_FOLLOW_UP = (InspectionState.failed, InspectionState.correcting,
                        InspectionState.overdue, InspectionState.reported_city)

# "pass" is a Python keyword: the functional form keeps the English codes of DESIGN §5.
InspectionResult = LabeledEnum("InspectionResult", [("pass", "合格"), ("fail", "不合格")])


class Answer(LabeledEnum):
    yes = "是"
    no = "否"


class RemoteUseType(LabeledEnum):
    """使用类型 of a batch used in another province (附件 其他检查发现的情况)."""

    repair = "直接维修"
    display = "商业展示"
    research = "科研测试"


class SanctionMeasure(LabeledEnum):
    suspend = "暂停"
    revoke = "取消"


class LetterDirection(LabeledEnum):
    outgoing = "发出"
    incoming = "收到"


class LetterState(LabeledEnum):
    draft = "草稿"
    sent = "已发函"
    received = "已收函"
    replied = "已反馈"


class ReplyResult(LabeledEnum):
    verified = "核实无异常"
    problem = "核实发现问题"
    unverifiable = "无法核实"


# =========================================================================================
# Yearly plan and its draw
# =========================================================================================

inspection_target_certificate = Table(
    "inspection_target_certificate", Model.metadata,
    Column("target_id", Integer, ForeignKey("inspection_target.id", ondelete="CASCADE"),
           primary_key=True),
    Column("certificate_id", Integer, ForeignKey("certificate.id", ondelete="RESTRICT"),
           primary_key=True),
)
inspection_target_inspector = Table(
    "inspection_target_inspector", Model.metadata,
    Column("target_id", Integer, ForeignKey("inspection_target.id", ondelete="CASCADE"),
           primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), primary_key=True),
)
inspection_inspector = Table(
    "inspection_inspector", Model.metadata,
    Column("inspection_id", Integer, ForeignKey("inspection.id", ondelete="CASCADE"),
           primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), primary_key=True),
)


def _ratio_in_range(value) -> None:
    if value is None:
        return
    try:
        number = Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unreadable value is the same user error
        raise FieldInvalid("抽查比例应为数字，如填10即百分之十。") from None
    if not Decimal("0") < number <= Decimal("100"):
        raise FieldInvalid("抽查比例应大于0且不超过100（百分数）。")


class InspectionPlan(Audited, TimestampMixin, Model):
    """年度双随机检查计划 of one district bureau (seed 002 §9, §16)."""

    __tablename__ = "inspection_plan"
    __label__ = "检查计划"
    __scope_path__ = ("bureau_id",)
    __str_loads__ = ("bureau",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("区局"))
    bureau: Mapped[Bureau] = relationship(info=label("区局"))
    year: Mapped[int] = mapped_column(Integer, nullable=False, info=label("年度"))
    provincial_plan: Mapped[Optional[str]] = mapped_column(
        String(200), info=label("依据的省级年度计划", help="省局年度双随机CCC免办监督检查计划的标题及文号"))
    ratio_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False,
        info=label("一般单位现场检查比例（百分数）", help="区局根据区域实际制定，如填10即抽取一般单位的百分之十；按比例抽取时向上取整，有候选单位时至少抽取1家",
                   validators=[_ratio_in_range]))
    batches_per_unit: Mapped[int] = mapped_column(
        Integer, nullable=False,
        info=label("每家抽查批次数", help="每家单位随机抽取核查的免办证明批次数", validators=[v.positive]))
    period_start: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("检查期间起"))
    period_end: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("检查期间止"))
    state: Mapped[PlanState] = enum_column(PlanState, "状态", default=PlanState.draft, index=True)
    published_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("发布时间"))
    seed: Mapped[Optional[str]] = mapped_column(String(64), info=label("随机种子"))
    drawn_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("抽取时间"))
    drawn_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                    info=label("抽取人"))
    draw_inputs: Mapped[Optional[dict]] = mapped_column(
        JSON, info=label("抽取依据", help="抽取时冻结的候选名单、回避名单、参数和种子"))
    draw_result: Mapped[Optional[list]] = mapped_column(JSON, info=label("抽取结果"))
    verified_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("复核时间"))
    verified_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                       info=label("复核人"))
    verified_same: Mapped[Optional[bool]] = mapped_column(
        Boolean, info=label("复核结果一致", help="按保存的抽取依据重新计算，结果与名单一致"))
    completed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("完成时间"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))
    targets: Mapped[list["InspectionTarget"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="InspectionTarget.seq",
        info=label("抽查名单"))

    __table_args__ = (
        UniqueConstraint("bureau_id", "year", name="uq_inspection_plan_bureau_year"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
        CheckConstraint("ratio_percent > 0 AND ratio_percent <= 100", name="ratio_range"),
        CheckConstraint("batches_per_unit > 0", name="batches_positive"),
    )
    __record_rules__ = (
        v.date_order("period_start", "period_end", "检查期间止不能早于检查期间起。"),
    )

    def __str__(self) -> str:
        district = self.bureau.short_name if self.bureau else ""
        return f"{district}{self.year}年度双随机检查计划"

    __repr__ = __str__

    def editing_refusal(self) -> str | None:
        if self.state not in (None, PlanState.draft):
            return f"检查计划{self.state.label}，不能再修改（抽取依据和名单须保持不变，以便复核）。"
        return None

    def deletion_refusal(self) -> str | None:
        if self.state is not PlanState.draft:
            return "只有草稿状态的检查计划可以删除。"
        return None


class InspectionTarget(Audited, Model):
    """One row of the 抽查名单: a drawn unit, its batches and its two inspectors."""

    __tablename__ = "inspection_target"
    __label__ = "抽查对象"
    __scope_path__ = ("plan", "bureau_id")
    __str_loads__ = ("enterprise",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id", ondelete="CASCADE"),
                                         nullable=False, index=True, info=label("检查计划"))
    plan: Mapped[InspectionPlan] = relationship(back_populates="targets", info=label("检查计划"))
    seq: Mapped[int] = mapped_column(Integer, nullable=False, info=label("序号"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("单位名称"))
    enterprise: Mapped[Enterprise] = relationship(info=label("单位名称"))
    kind: Mapped[TargetKind] = enum_column(TargetKind, "类别")
    fast_track: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                             info=label("便捷通道使用单位"))
    reasons: Mapped[Optional[str]] = mapped_column(Text, info=label("列为重点的原因"))
    certificates: Mapped[list[Certificate]] = relationship(
        secondary=inspection_target_certificate, order_by=Certificate.number,
        info=label("抽取批次"))
    inspectors: Mapped[list[ConsoleUser]] = relationship(
        secondary=inspection_target_inspector, order_by=ConsoleUser.username,
        info=label("检查人员"))
    inspection: Mapped[Optional["Inspection"]] = relationship(
        back_populates="target", uselist=False, info=label("检查记录"))

    __table_args__ = (UniqueConstraint("plan_id", "enterprise_id", name="uq_target_plan_unit"),
                      UniqueConstraint("plan_id", "seq", name="uq_target_plan_seq"))

    def __str__(self) -> str:
        return f"{self.seq}. {self.enterprise.name if self.enterprise else ''}"

    def editing_refusal(self) -> str | None:
        return "抽查名单由“随机抽取”生成，不能修改。"

    deletion_refusal = editing_refusal


# =========================================================================================
# Inspection record and its checklist
# =========================================================================================


class Inspection(Audited, TimestampMixin, Model):
    """检查记录 of one unit on the checklist of its kind (seed 002 附件1/附件2)."""

    __tablename__ = "inspection"
    __label__ = "检查记录"
    __scope_path__ = ("enterprise", "bureau_id")
    __search_text__ = ("enterprise.name", "enterprise.uscc")
    __str_loads__ = ("enterprise",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inspection_plan.id"), index=True,
                                                   info=label("检查计划", help="计划外检查（如投诉举报）留空"))
    plan: Mapped[Optional[InspectionPlan]] = relationship(info=label("检查计划"))
    target_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("inspection_target.id"), unique=True, info=label("抽查对象"))
    target: Mapped[Optional[InspectionTarget]] = relationship(back_populates="inspection",
                                                              info=label("抽查对象"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("被检查单位"))
    enterprise: Mapped[Enterprise] = relationship(info=label("被检查单位"))
    origin: Mapped[InspectionOrigin] = enum_column(InspectionOrigin, "检查来源",
                                                   default=InspectionOrigin.plan)
    origin_remarks: Mapped[Optional[str]] = mapped_column(
        Text, info=label("来源说明", help="投诉举报、线索的编号和内容摘要"))
    checklist: Mapped[ChecklistKind] = enum_column(
        ChecklistKind, "检查表", help="便捷通道使用单位用附件2，其他单位用附件1")
    method: Mapped[InspectionMethod] = enum_column(InspectionMethod, "检查方式",
                                                   default=InspectionMethod.onsite)
    inspected_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("检查时间"))
    inspectors: Mapped[list[ConsoleUser]] = relationship(
        secondary=inspection_inspector, order_by=ConsoleUser.username,
        info=label("检查人员", help="本局持有“监管”功能账号的人员，不少于两人，且未经办过该单位的申请"))
    state: Mapped[InspectionState] = enum_column(InspectionState, "状态",
                                                 default=InspectionState.pending, index=True)
    result: Mapped[Optional["InspectionResult"]] = enum_column(
        InspectionResult, "检查结论", nullable=True)
    other_findings: Mapped[Optional[str]] = mapped_column(
        Text, info=label("其他检查发现的情况", help="外省（市）使用情况请在“外省市使用情况”中逐条登记"))
    unit_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("单位确认意见"))
    unit_confirmed_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("单位确认日期", help="签章的纸质检查表扫描后作为证据材料上传"))
    recorded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("登记时间"))
    recorded_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                       info=label("登记人"))
    correction_requirements: Mapped[Optional[str]] = mapped_column(Text, info=label("整改要求"))
    correction_ordered_on: Mapped[Optional[dt.date]] = mapped_column(Date,
                                                                     info=label("责令改正日期"))
    correction_due: Mapped[Optional[dt.date]] = mapped_column(Date, index=True,
                                                              info=label("整改期限"))
    rechecked_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("复查日期"))
    corrected_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("整改完成日期"))
    recheck_record: Mapped[Optional[str]] = mapped_column(Text, info=label("复查记录"))
    sanction_reason: Mapped[Optional[SanctionReason]] = enum_column(
        SanctionReason, "上报情形（第十二条）", nullable=True)
    reported_city_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                    info=label("上报市局时间"))
    reported_city_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                            info=label("上报人"))
    proposed_measure: Mapped[Optional[SanctionMeasure]] = enum_column(
        SanctionMeasure, "报请措施", nullable=True)
    reported_samr_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                    info=label("报总局时间"))
    reported_samr_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                            info=label("报总局经办人"))
    escalation_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("上报意见"))
    case_no: Mapped[Optional[str]] = mapped_column(String(64), unique=True,
                                                   info=label("立案编号"))
    case_opened_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("立案日期"))
    answers: Mapped[list["InspectionAnswer"]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan",
        order_by="InspectionAnswer.seq", info=label("检查情况记录"))
    remote_uses: Mapped[list["RemoteUse"]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="RemoteUse.id",
        info=label("外省市使用情况"))
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="inspection", order_by="EvidenceFile.id", info=label("证据材料"))

    __record_rules__ = (
        v.date_order("correction_ordered_on", "correction_due", "整改期限不能早于责令改正日期。"),
    )

    def __str__(self) -> str:
        unit = self.enterprise.name if self.enterprise else ""
        return f"{unit}检查记录#{self.id}"

    __repr__ = __str__

    def editing_refusal(self) -> str | None:
        if self.state not in (None, InspectionState.pending):
            return f"检查记录{self.state.label}，检查内容不能再修改；后续处理请使用办理步骤。"
        return None

    def deletion_refusal(self) -> str | None:
        if self.state is not InspectionState.pending:
            return "只有待检查的检查记录可以删除。"
        if self.target_id is not None:
            return "抽查名单中的检查记录不能删除。"
        return None

    def evidence_refusal(self) -> str | None:
        return None  # the signed paper, photos, later correction evidence: always welcome

    evidence_owner = "inspection"


class InspectionAnswer(Audited, Model):
    """One point of part 二: 现场检查情况描述, 检查结论 是/否 and its evidence."""

    __tablename__ = "inspection_answer"
    __label__ = "检查情况记录"
    __scope_path__ = ("inspection", "enterprise", "bureau_id")
    __str_loads__ = ("inspection",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("检查记录"))
    inspection: Mapped[Inspection] = relationship(back_populates="answers",
                                                  info=label("检查记录"))
    seq: Mapped[int] = mapped_column(Integer, nullable=False, info=label("顺序"))
    point_code: Mapped[str] = mapped_column(String(8), nullable=False, info=label("检查点"))
    answer: Mapped[Optional[Answer]] = enum_column(Answer, "检查结论", nullable=True,
                                                   help="“是”或“否”，按检查内容的问法回答")
    description: Mapped[Optional[str]] = mapped_column(
        Text, info=label("现场检查情况描述", help="不符合情况的记录，随附相关证据材料"))
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="inspection_answer", order_by="EvidenceFile.id", info=label("证据材料"))

    __table_args__ = (UniqueConstraint("inspection_id", "point_code", name="uq_answer_point"),)
    __extra_labels__ = {"item": "检查项目", "content": "检查内容", "key_points": "检查要点",
                        "compliance": "是否符合要求"}

    @property
    def point(self):
        return self.inspection.checklist.checklist.point(self.point_code)

    @property
    def item(self) -> str:
        return f"{self.point.item_no}. {self.point.item}"

    @property
    def content(self) -> str:
        return self.point.content

    @property
    def key_points(self) -> str:
        return self.point.key_points

    @property
    def compliance(self) -> str:
        ok = self.point.complies(self.answer.name if self.answer else None)
        return "" if ok is None else ("符合" if ok else "不符合")

    def __str__(self) -> str:
        return f"{self.point_code} {self.point.content}" if self.inspection else self.point_code

    def editing_refusal(self) -> str | None:
        return self.inspection.editing_refusal() if self.inspection else None

    def deletion_refusal(self) -> str | None:
        return "检查表的检查点不能删除。"

    def evidence_refusal(self) -> str | None:
        return self.editing_refusal()

    evidence_owner = "inspection_answer"


class RemoteUse(Audited, Model):
    """其他检查发现的情况: a batch used in another province (seed 002 附件, §16)."""

    __tablename__ = "inspection_remote_use"
    __label__ = "外省市使用情况"
    __scope_path__ = ("inspection", "enterprise", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("检查记录"))
    inspection: Mapped[Inspection] = relationship(back_populates="remote_uses",
                                                  info=label("检查记录"))
    certificate_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("certificate.id"), index=True, info=label("免办证明", help="涉及的批次"))
    certificate: Mapped[Optional[Certificate]] = relationship(info=label("免办证明"))
    batch: Mapped[Optional[str]] = mapped_column(
        String(200), info=label("涉及批次", help="未在本系统登记的批次，填写证明编号或报关单号"))
    place: Mapped[str] = mapped_column(String(100), nullable=False,
                                       info=label("具体省市", help="如：江苏省苏州市"))
    use_type: Mapped[RemoteUseType] = enum_column(RemoteUseType, "使用类型")
    write_off_status: Mapped[Optional[str]] = mapped_column(String(200), info=label("核销情况"))
    letter_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("assistance_letter.id"), index=True, info=label("协查函"))
    letter: Mapped[Optional["AssistanceLetter"]] = relationship(back_populates="remote_uses",
                                                                info=label("协查函"))

    __record_rules__ = (
        v.at_least_one(("batch", "certificate", "certificate_id"), "请选择免办证明或填写涉及批次。"),
    )

    def __str__(self) -> str:
        return f"{self.batch_text}（{self.place}，{self.use_type.label if self.use_type else ''}）"

    @property
    def batch_text(self) -> str:
        return self.certificate.number if self.certificate else (self.batch or "")

    def editing_refusal(self) -> str | None:
        return self.inspection.editing_refusal() if self.inspection else None

    deletion_refusal = editing_refusal


# =========================================================================================
# Assistance letters (协查函, seed 002 §16)
# =========================================================================================


class AssistanceLetter(Audited, TimestampMixin, Model):
    """A 协查函 sent to the bureau of the place of use, or received from another region."""

    __tablename__ = "assistance_letter"
    __label__ = "协查函"
    __scope_path__ = ("bureau_id",)
    __search_text__ = ("doc_no", "unit_name")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("本局", help="发函或收函的区局"))
    bureau: Mapped[Bureau] = relationship(info=label("本局"))
    direction: Mapped[LetterDirection] = enum_column(LetterDirection, "收发",
                                                     default=LetterDirection.outgoing)
    state: Mapped[LetterState] = enum_column(LetterState, "状态", default=LetterState.draft,
                                             index=True)
    doc_no: Mapped[Optional[str]] = mapped_column(
        String(100), info=label("文号", help="如：黄市监协〔2026〕3号"))
    counterpart: Mapped[str] = mapped_column(
        String(200), nullable=False,
        info=label("对方市场监管部门", help="发函：主送的实际使用地市场监管部门；收函：来函单位"))
    inspection_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("inspection.id"), index=True, info=label("来源检查记录"))
    inspection: Mapped[Optional[Inspection]] = relationship(info=label("来源检查记录"))
    enterprise_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("enterprise.id"), index=True, info=label("涉及单位（本辖区）"))
    enterprise: Mapped[Optional[Enterprise]] = relationship(info=label("涉及单位（本辖区）"))
    unit_name: Mapped[str] = mapped_column(String(200), nullable=False,
                                           info=label("涉及单位名称"))
    batches: Mapped[str] = mapped_column(Text, nullable=False,
                                         info=label("涉及批次", help="免办证明编号、产品、数量"))
    matters: Mapped[str] = mapped_column(
        Text, nullable=False, info=label("请求协查事项", help="需核实的内容，如产品实际使用地、用途、核销情况"))
    sent_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, index=True, info=label("发函日期", help="收函：对方的发函日期；反馈期限自此起算15日"))
    replied_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("反馈日期"))
    reply_result: Mapped[Optional[ReplyResult]] = enum_column(ReplyResult, "协查结果",
                                                              nullable=True)
    reply_summary: Mapped[Optional[str]] = mapped_column(Text, info=label("反馈内容"))
    signed_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                     info=label("经办人"))
    remote_uses: Mapped[list[RemoteUse]] = relationship(back_populates="letter",
                                                        info=label("涉及的外省市使用情况"))
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="assistance_letter", order_by="EvidenceFile.id",
        info=label("来函及反馈材料"))

    __record_rules__ = (v.date_order("sent_on", "replied_on", "反馈日期不能早于发函日期。"),)

    def __str__(self) -> str:
        return self.doc_no or f"协查函#{self.id}"

    def editing_refusal(self) -> str | None:
        if self.state not in (None, LetterState.draft):
            return f"协查函{self.state.label}，不能再修改；反馈请使用办理步骤登记。"
        return None

    def deletion_refusal(self) -> str | None:
        if self.state is not LetterState.draft:
            return "已发出或已登记的协查函不能删除。"
        return None

    def evidence_refusal(self) -> str | None:
        return None  # the scanned letter and the reply

    evidence_owner = "assistance_letter"
