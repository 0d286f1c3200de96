"""Domain model of the CCC免办 console (DESIGN §2).

Every column declares its Chinese label, help text and field validators in ``info`` (see
``app.meta``); every enumeration is a ``LabeledEnum`` (English code stored and served by the
API, Chinese label shown). Screens, forms, the API, exports and reports read them from here.
Integrity lives in the database too: foreign keys, NOT NULL, unique keys and check constraints.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum as SAEnum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    func,
    inspect as sa_inspect,
)
from sqlalchemy.orm import Mapped, configure_mappers, mapped_column, relationship
from sqlalchemy_continuum import make_versioned
from sqlalchemy_continuum.plugins import (
    FlaskPlugin,
    PropertyModTrackerPlugin,
    TransactionChangesPlugin,
)

from app import clock
from app.domain import validators as v
from app.meta import Attention, LabeledEnum, enum_label, label


def _audit_user_id():
    from app.scope import current_user

    user = current_user()
    return getattr(user, "id", None)


# Audit trail (SQLAlchemy-Continuum): every model with ``__versioned__`` gets a version table
# holding each insert, update and delete with the transaction (who, when, from where). The
# 'subquery' strategy never rewrites an older version row, so the trail is append-only.
make_versioned(
    user_cls="ConsoleUser",
    plugins=[FlaskPlugin(current_user_id_factory=_audit_user_id), PropertyModTrackerPlugin(),
             TransactionChangesPlugin()],
    options={"strategy": "subquery"},
)

# =========================================================================================
# Enumerations (code = member name, label = value)
# =========================================================================================


class BureauLevel(LabeledEnum):
    province = "省级"
    prefecture = "地市级"
    county = "区县级"


class CreditStanding(LabeledEnum):
    good = "良好"
    serious_violation = "列入严重违法失信名单"
    blacklisted = "列入黑名单"


class EconomicNature(LabeledEnum):
    state_owned = "国有"
    private = "民营"
    joint_venture = "合资"
    sole_foreign = "独资"
    other = "其他"


class BusinessCategoryCode(LabeledEnum):
    production = "生产加工"
    research_testing = "科研测试"
    repair = "维修"
    repair_agent = "维修代理"
    display = "商业展示"
    other = "其他"


class ExemptionClause(LabeledEnum):
    """The six 免办条款 of the national service guide (seed 001); the first five are the
    clauses a fast-track unit may apply for (seed 000 第四条)."""

    research_test = "为科研、测试和认证检测所需的产品和样品"
    repair = "直接为最终用户维修目的所需的零部件/产品"
    production_line = "工厂生产线/成套生产线配套所需的设备/零部件（不含办公用品）"
    display = "仅用于商业展示但不销售的产品"
    export_parts = "以整机全数出口为目的进口的零部件"
    other = "其他因特殊用途免予办理强制性产品认证的情形"

    @property
    def number(self) -> int:
        return list(ExemptionClause).index(self) + 1

    @property
    def short_label(self) -> str:
        return f"条款{self.number}"

    @classmethod
    def fast_track_clauses(cls) -> list["ExemptionClause"]:
        return [c for c in cls if c is not cls.other]


class ResearchDetail(LabeledEnum):
    """Second-level detail required for clause 1 (seed 004 §2.1.1)."""

    research = "科研"
    testing = "测试"
    ccc_testing = "CCC认证检测"


class ApplicantType(LabeledEnum):
    """申请人类型 — required for clauses 1 and 2 (seed 004 §2.1.1; kinds from seed 001)."""

    research_institution = "研究、开发、测试机构"
    ccc_client = "CCC认证委托人"
    repair_unit = "维修单位"
    end_user = "最终用户"


#: Width of the columns that name who acted (``*_by``, ``district_reviewer``).
ACTOR_NAME_LENGTH = 64

CLAUSES_REQUIRING_APPLICANT_TYPE = (ExemptionClause.research_test, ExemptionClause.repair)


class ApplicationState(LabeledEnum):
    draft = "未提交"
    submitted = "已提交"
    accepted = "已受理"
    first_reviewed = "已初审"
    second_reviewed = "已复审"
    issued = "已发证"
    returned = "已退回"


#: Submitted and not yet decided: the review deadlines run.
APPLICATION_IN_REVIEW = (ApplicationState.submitted, ApplicationState.accepted,
                         ApplicationState.first_reviewed, ApplicationState.second_reviewed)


class CertificateState(LabeledEnum):
    valid = "有效"
    changed = "已变更"
    voided = "已作废"
    extended = "已延期"
    written_off = "已核销"


#: A certificate goods may still be imported and used under.
CERTIFICATE_IN_FORCE = (CertificateState.valid, CertificateState.changed,
                        CertificateState.extended)


class UsageKind(LabeledEnum):
    use = "使用"
    returned = "退运"
    destroyed = "销毁"


class Currency(LabeledEnum):
    CNY = "人民币"
    USD = "美元"
    EUR = "欧元"
    JPY = "日元"
    HKD = "港元"
    GBP = "英镑"
    KRW = "韩元"
    CHF = "瑞士法郎"


class FunctionCode(LabeledEnum):
    """Functions of a national-system reviewer account (seed 003 附件1 备注2)."""

    first_review = "初审"
    second_review = "复审"
    issue = "发证"
    supervision = "监管"
    admin = "管理员"


class AccountStatus(LabeledEnum):
    active = "在用"
    closed = "已注销"


class AccountChangeKind(LabeledEnum):
    open = "开通"
    close = "注销"
    add_functions = "增加功能"
    remove_functions = "减少功能"


class AccountChangeState(LabeledEnum):
    draft = "草稿"
    submitted = "已提交"
    approved = "省局已审核"
    returned = "已退回"
    forwarded = "已报总局"
    effective = "已生效"


class AnnualReportState(LabeledEnum):
    draft = "草稿"
    submitted = "已提交"
    returned = "已退回"
    confirmed = "已确认"


class FastTrackState(LabeledEnum):
    draft = "草稿"
    submitted = "已提交"
    district_reviewed = "区局已初审"
    approved = "市局已审核"
    forwarded = "已报总局"
    active = "已开通"
    rejected = "不予通过"
    expired = "已到期"
    suspended = "已暂停"
    revoked = "已取消"


#: Submitted and on its way to a decision (the reminder board's 办理中).
FAST_TRACK_IN_PROGRESS = (FastTrackState.submitted, FastTrackState.district_reviewed,
                          FastTrackState.approved, FastTrackState.forwarded)


class CertificateRequestKind(LabeledEnum):
    change = "变更"
    void = "作废"
    extend = "延期"


class CertificateRequestState(LabeledEnum):
    pending = "待审核"
    approved = "已批准"
    rejected = "已驳回"


class ProductField(LabeledEnum):
    """Product fields a certificate change may alter (seed 002 §4)."""

    name = "产品名称"
    manufacturer = "制造商"
    model = "型号规格"
    brand = "商标/品牌"
    quantity = "数量"
    weight_kg = "重量（千克）"
    amount = "金额"


class UseFinding(LabeledEnum):
    """What the reviewer found before extending a certificate (seed 002 §6)."""

    unused = "产品未使用"
    use_unchanged = "产品用途未变化"


DecisionState = CertificateRequestState  # 待审核 / 已批准 / 已驳回, for every request decided once


class FastTrackChangeKind(LabeledEnum):
    """Changes a fast-track unit must report (seed 000 第十条)."""

    product_list = "CCC免办产品清单调整"
    unit_name = "单位名称变更"
    address = "注册地、经营地变更"
    legal_representative = "法定代表人变更"
    other = "其他重大变更事项"


class FastTrackChangeState(LabeledEnum):
    draft = "草稿"
    submitted = "已报市局"
    approved = "已批准"
    rejected = "已驳回"


class AttachmentKind(LabeledEnum):
    subject_qualification = "主体资格证明材料"
    basic_description = "基本情况说明"
    evidence = "证据材料"


class CalendarDayKind(LabeledEnum):
    holiday = "法定节假日（休息）"
    adjusted_workday = "调休上班"

    @property
    def is_workday(self) -> bool:
        return self is CalendarDayKind.adjusted_workday


class ProductListPeriod(LabeledEnum):
    past = "过去两年"
    expected = "预计"


class SanctionReason(LabeledEnum):
    """The five grounds for suspending or revoking a fast-track grant (seed 000 第十二条)."""

    no_longer_eligible = "无法持续满足CCC免办便捷通道申请条件"
    false_declaration = "申报材料应报未报或者申报不实"
    outside_catalogue = "不属于CCC目录内的产品通过CCC免办系统申报"
    misuse = "未按承诺使用或处理相关CCC免办产品"
    non_cooperation = "无正当理由，不配合或不接受市场监管部门监督检查"


# =========================================================================================
# Column helpers
# =========================================================================================


def enum_column(enum_cls: type[LabeledEnum], text: str, *, nullable: bool = False,
                default: LabeledEnum | None = None, help: str | None = None, index: bool = False):
    """An enum column stored as its English code, with a CHECK constraint in the database."""
    return mapped_column(
        SAEnum(enum_cls, native_enum=False, create_constraint=True, validate_strings=True,
               length=max(len(c) for c in enum_cls.codes()) + 4,
               name=enum_cls.__name__.lower()),
        nullable=nullable, default=default, index=index, info=enum_label(text, help=help))


class Audited:
    """Domain rows whose every change is kept in the audit trail."""

    __versioned__ = {"exclude": ["updated_at"]}


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, server_default=func.now(), default=clock.now,
        info=label("创建时间"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, server_default=func.now(), default=clock.now,
        onupdate=clock.now, info=label("更新时间"))


class EnumTagMixin:
    """A row of a small lookup table that mirrors one ``LabeledEnum`` member, so that
    multi-valued choices (several functions, categories, clauses) are real many-to-many
    relations with foreign keys. Rows are synchronised from the enum (seeds.reference)."""

    enum_cls: type[LabeledEnum]
    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    def __str__(self) -> str:
        return self.code.label

    __repr__ = __str__

    @property
    def label(self) -> str:
        return self.code.label


# =========================================================================================
# Organisation: bureaus and console users
# =========================================================================================


class Bureau(Audited, TimestampMixin, Model):
    __tablename__ = "bureau"
    __label__ = "市场监管部门"
    __scope_path__ = ("id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False,
                                      info=label("部门名称", help="如：上海市黄浦区市场监督管理局"))
    short_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                            info=label("简称", help="如：黄浦区"))
    level: Mapped[BureauLevel] = enum_column(BureauLevel, "层级")
    division_code: Mapped[str] = mapped_column(
        String(6), unique=True, nullable=False,
        info=label("行政区划代码", help="6位GB/T 2260行政区划代码，如黄浦区310101",
                   validators=[v.division_code]))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("bureau.id"), index=True,
                                                     info=label("上级部门"))
    parent: Mapped[Optional["Bureau"]] = relationship(
        remote_side=[id], back_populates="children", info=label("上级部门"))
    children: Mapped[list["Bureau"]] = relationship(back_populates="parent",
                                                    info=label("下级部门"))

    __table_args__ = (
        CheckConstraint("length(division_code) = 6", name="division_code_length"),
    )

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__


class ConsoleUser(User):
    """A console login (Flask-AppBuilder user) attached to the bureau it works for."""

    __tablename__ = "ab_user"
    __label__ = "控制台用户"

    bureau_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("bureau.id", name="fk_ab_user_bureau_id_bureau"), nullable=True,
        info=label("所属部门"))
    bureau: Mapped[Optional[Bureau]] = relationship(info=label("所属部门"))

    def get_full_name(self) -> str:
        """Chinese order: family name first, no space."""
        return f"{self.last_name}{self.first_name}"

    @property
    def signature(self) -> str:
        """How a record names who acted (审核人, 登记人, 上传人): 姓名（登录名）, readable on a
        printed page and still unambiguous; the login alone if that would not fit the column."""
        text = f"{self.get_full_name()}（{self.username}）"
        return text if len(text) <= ACTOR_NAME_LENGTH else self.username


# =========================================================================================
# Reference data: CCC catalogue and lookup tables
# =========================================================================================


class CccCategory(Audited, TimestampMixin, Model):
    """A product sub-category of the CCC catalogue (强制性产品认证目录描述与界定表)."""

    __tablename__ = "ccc_category"
    __label__ = "CCC目录产品小类"

    code: Mapped[str] = mapped_column(String(4), primary_key=True,
                                      info=label("小类代码", validators=[v.ccc_code_format]))
    category_no: Mapped[str] = mapped_column(String(8), nullable=False, info=label("大类序号"))
    category: Mapped[str] = mapped_column(String(100), nullable=False, info=label("产品大类"))
    product_name: Mapped[str] = mapped_column(String(200), nullable=False, info=label("产品名称"))
    self_declaration: Mapped[Optional[str]] = mapped_column(String(100),
                                                            info=label("自我声明评价方式"))
    example_hs_codes: Mapped[Optional[str]] = mapped_column(String(200),
                                                            info=label("HS编码示例"))
    source: Mapped[str] = mapped_column(String(100), nullable=False, info=label("来源"))
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                          info=label("演示数据", help="演示用条目，应以官方目录替换"))

    __table_args__ = (CheckConstraint("length(code) = 4", name="code_length"),)

    def __str__(self) -> str:
        return f"{self.product_name}（{self.code}）"

    __repr__ = __str__


class AccountFunction(Audited, EnumTagMixin, Model):
    __tablename__ = "account_function"
    __label__ = "账号功能"
    enum_cls = FunctionCode
    code: Mapped[FunctionCode] = enum_column(FunctionCode, "功能")
    __table_args__ = (UniqueConstraint("code", name="uq_account_function_code"),)


class BusinessCategory(Audited, EnumTagMixin, Model):
    __tablename__ = "business_category"
    __label__ = "主要经营范围"
    enum_cls = BusinessCategoryCode
    code: Mapped[BusinessCategoryCode] = enum_column(BusinessCategoryCode, "经营类别")
    __table_args__ = (UniqueConstraint("code", name="uq_business_category_code"),)


class ClauseTag(Audited, EnumTagMixin, Model):
    __tablename__ = "clause_tag"
    __label__ = "免办条款"
    enum_cls = ExemptionClause
    code: Mapped[ExemptionClause] = enum_column(ExemptionClause, "免办条款")
    __table_args__ = (UniqueConstraint("code", name="uq_clause_tag_code"),)


def _association(name: str, left: str, right: str) -> Table:
    return Table(
        name, Model.metadata,
        Column(f"{left}_id", Integer, ForeignKey(f"{left}.id", ondelete="CASCADE"),
               primary_key=True),
        Column(f"{right}_id", Integer, ForeignKey(f"{right}.id", ondelete="RESTRICT"),
               primary_key=True),
    )


enterprise_business_category = _association(
    "enterprise_business_category", "enterprise", "business_category")
fast_track_clause = _association("fast_track_clause", "fast_track_grant", "clause_tag")
reviewer_account_function = _association(
    "reviewer_account_function", "reviewer_account", "account_function")
account_change_function_before = Table(
    "account_change_function_before", Model.metadata,
    Column("request_id", Integer, ForeignKey("account_change_request.id", ondelete="CASCADE"),
           primary_key=True),
    Column("function_id", Integer, ForeignKey("account_function.id", ondelete="RESTRICT"),
           primary_key=True),
)
account_change_function_after = Table(
    "account_change_function_after", Model.metadata,
    Column("request_id", Integer, ForeignKey("account_change_request.id", ondelete="CASCADE"),
           primary_key=True),
    Column("function_id", Integer, ForeignKey("account_function.id", ondelete="RESTRICT"),
           primary_key=True),
)


def functions_text(functions) -> str:
    """'复审、监管' — how the seed's tables write a set of functions, in enum order."""
    order = list(FunctionCode)
    codes = sorted((f.code for f in functions), key=order.index)
    return "、".join(c.label for c in codes) or "无"


# =========================================================================================
# Working-day calendar (State Council holiday schedule)
# =========================================================================================


class CalendarYear(Audited, TimestampMixin, Model):
    """A year whose holiday schedule is known. Deadlines are only computed in known years."""

    __tablename__ = "calendar_year"
    __label__ = "工作日历年度"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False,
                                      info=label("年度"))
    complete: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False,
        info=label("已录入完整", help="该年全部法定节假日和调休上班日录入完毕后勾选；未勾选的年度不参与期限计算"))
    source: Mapped[str] = mapped_column(
        String(200), nullable=False,
        info=label("依据", help="如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))

    __table_args__ = (CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),)

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(Audited, TimestampMixin, Model):
    """An exception to "Monday–Friday work, weekends off": a holiday or an adjusted workday."""

    __tablename__ = "calendar_day"
    __label__ = "节假日与调休"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True, info=label("日期"))
    kind: Mapped[CalendarDayKind] = enum_column(CalendarDayKind, "类型")
    name: Mapped[str] = mapped_column(String(50), nullable=False,
                                      info=label("名称", help="如：国庆节、春节"))

    @property
    def is_workday(self) -> bool:
        return self.kind.is_workday

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.name}（{self.kind.label}）"


# =========================================================================================
# Enterprises and the fast track (便捷通道)
# =========================================================================================


class Enterprise(Audited, TimestampMixin, Model):
    """申请单位 (seed 000 申请表; seed 002 检查表 part 一)."""

    __tablename__ = "enterprise"
    __label__ = "申请单位"
    __scope_path__ = ("bureau_id",)
    __search_text__ = ("name", "uscc")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True,
                                      info=label("单位名称", help="与营业执照上的名称一致"))
    uscc: Mapped[str] = mapped_column(
        String(18), unique=True, nullable=False,
        info=label("统一社会信用代码", help="18位，GB 32100-2015，系统会校验末位校验码",
                   validators=[v.uscc]))
    registered_address: Mapped[str] = mapped_column(String(300), nullable=False,
                                                    info=label("注册地址"))
    business_address: Mapped[str] = mapped_column(String(300), nullable=False,
                                                  info=label("经营地址"))
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("所属区局"))
    bureau: Mapped[Bureau] = relationship(info=label("所属区局",
                                                     help="注册地所在区市场监管局"))
    business_categories: Mapped[list[BusinessCategory]] = relationship(
        secondary=enterprise_business_category, order_by=BusinessCategory.id,
        info=label("主要经营范围", help="可多选"))
    economic_nature: Mapped[EconomicNature] = enum_column(EconomicNature, "单位经济性质")
    legal_representative: Mapped[str] = mapped_column(String(50), nullable=False,
                                                      info=label("法定代表人"))
    legal_representative_phone: Mapped[Optional[str]] = mapped_column(
        String(30), info=label("法定代表人电话/手机", validators=[v.phone]))
    department_head: Mapped[Optional[str]] = mapped_column(String(50),
                                                           info=label("CCC免办部门负责人"))
    department_head_phone: Mapped[Optional[str]] = mapped_column(
        String(30), info=label("部门负责人电话/手机", validators=[v.phone]))
    handler: Mapped[Optional[str]] = mapped_column(String(50), info=label("CCC免办经办人"))
    handler_phone: Mapped[Optional[str]] = mapped_column(
        String(30), info=label("经办人电话/手机", validators=[v.phone]))
    system_account: Mapped[Optional[str]] = mapped_column(
        String(64), info=label("CCC免办系统账号", help="企业在国家CCC免办系统中的登录账号"))
    credit_standing: Mapped[CreditStanding] = enum_column(
        CreditStanding, "信用状况", default=CreditStanding.good,
        help="国家企业信用信息公示系统 / 信用中国 的查询结果")
    operates_in_province: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True,
        info=label("经营地在本市", help="注册地及经营地均在本省（市）"))
    traceability_system: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False,
        info=label("已建立追溯管理制度", help="CCC免办产品入库、领用、使用、归还、退运或报废等管理要求"))

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__


class FastTrackGrant(Audited, TimestampMixin, Model):
    """A fast-track (便捷通道) application and, once opened, the grant itself (seeds 000, 003)."""

    __tablename__ = "fast_track_grant"
    __label__ = "便捷通道"
    __scope_path__ = ("enterprise", "bureau_id")
    __search_text__ = ("enterprise.name", "enterprise.uscc")
    __str_loads__ = ("enterprise",)  # relations __str__ reads: loaded with lists that show it

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("申请单位"))
    enterprise: Mapped[Enterprise] = relationship(info=label("申请单位"))
    state: Mapped[FastTrackState] = enum_column(FastTrackState, "状态",
                                                default=FastTrackState.draft, index=True)
    applied_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("申请日期"))
    clauses: Mapped[list[ClauseTag]] = relationship(
        secondary=fast_track_clause, order_by=ClauseTag.id,
        info=label("申请免办条款", help="可多选，限条款1至5"))
    self_commitment: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, info=label("已签署自我承诺"))
    district_recommendation: Mapped[Optional[bool]] = mapped_column(
        Boolean, info=label("区局推荐意见", help="是：推荐；否：不推荐"))
    district_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("区县市场监管部门意见"))
    onsite_checked_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("现场核查日期"))
    onsite_check_record: Mapped[Optional[str]] = mapped_column(Text, info=label("现场核查记录"))
    provincial_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("市局审核意见"))
    fast_track_account: Mapped[Optional[str]] = mapped_column(
        String(64), info=label("便捷通道账号", help="总局开通后给予的指定账号"))
    valid_from: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("有效期起"))
    valid_to: Mapped[Optional[dt.date]] = mapped_column(Date, index=True, info=label("有效期止"))
    sanction_reason: Mapped[Optional[SanctionReason]] = enum_column(
        SanctionReason, "暂停/取消原因", nullable=True)
    sanctioned_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("暂停/取消日期"))
    sanction_remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("暂停/取消说明"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("提交时间"))
    district_reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(
        DateTime, info=label("区局初审时间"))
    district_reviewer: Mapped[Optional[str]] = mapped_column(
        String(ACTOR_NAME_LENGTH), info=label("区局经办人"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("市局审核时间"))
    decided_by: Mapped[Optional[str]] = mapped_column(
        String(ACTOR_NAME_LENGTH), info=label("市局审核人"))
    forwarded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("报总局时间"))
    activated_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("开通时间"))
    lines: Mapped[list["FastTrackProductLine"]] = relationship(
        back_populates="grant", cascade="all, delete-orphan",
        order_by="FastTrackProductLine.id", info=label("产品清单"))
    renewals: Mapped[list["FastTrackRenewal"]] = relationship(
        back_populates="grant", order_by="FastTrackRenewal.id", info=label("延用记录"))
    changes: Mapped[list["FastTrackChange"]] = relationship(
        back_populates="grant", order_by="FastTrackChange.id", info=label("变更事项"))
    attachments: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="fast_track_grant", order_by="EvidenceFile.id", info=label("申请材料"))

    __record_rules__ = (
        v.date_order("valid_from", "valid_to", "有效期止不能早于有效期起。"),
    )

    def __str__(self) -> str:
        return f"{self.enterprise.name if self.enterprise else ''}便捷通道#{self.id}"

    __repr__ = __str__

    def batches_total(self, period: ProductListPeriod) -> int:
        return sum(line.annual_batches for line in self.lines if line.period is period)

    def deletion_refusal(self) -> str | None:
        if self.state is not FastTrackState.draft:
            return "只有草稿状态的便捷通道申请可以删除；已开通的便捷通道应办理暂停或取消。"
        return None

    def editing_refusal(self) -> str | None:
        if self.state not in (None, FastTrackState.draft):
            return (f"便捷通道{self.state.label}，申请内容不能再修改；开通后的变化请登记“便捷通道变更”。")
        return None

    #: What the 申请表 asks to attach (seed 000 附件2).
    evidence_kinds = (AttachmentKind.basic_description, AttachmentKind.subject_qualification)

    def evidence_refusal(self) -> str | None:
        """The 申请表's attachments go with the application, before it is submitted."""
        if self.state is not FastTrackState.draft:
            return "只能在提交前上传申请材料。"
        return None

    __extra_labels__ = {"days_left": "剩余有效天数", "eligibility_text": "申请条件核查",
                        "eligibility": "申请条件核查", "bureau_name": "所属区局"}

    @property
    def days_left(self) -> str:
        from app.workflows.fast_track import days_left_text

        return days_left_text(self)

    @property
    def eligibility(self) -> list[dict]:
        """The seed's application conditions, each with whether this unit meets it now."""
        from app.workflows.fast_track import eligibility

        return [{"ok": c.ok, "text": c.text} for c in eligibility(self)]

    @property
    def eligibility_text(self) -> str:
        return "；".join(("✓ " if c["ok"] else "✗ ") + c["text"] for c in self.eligibility)

    @property
    def bureau_name(self) -> str:
        return self.enterprise.bureau.short_name if self.enterprise else ""


def _line_has_one_owner(values):
    owners = [k for k in ("grant", "grant_id", "change", "change_id") if values.get(k)]
    has_grant = any(k.startswith("grant") for k in owners)
    has_change = any(k.startswith("change") for k in owners)
    if "grant" in values or "grant_id" in values or "change" in values or "change_id" in values:
        if has_grant == has_change:
            yield "grant", "产品清单行应属于一个便捷通道申请，或属于一项产品清单调整（二者选一）。"


class FastTrackProductLine(Audited, Model):
    """One row of the 申请表's product lists: past two years or expected."""

    __tablename__ = "fast_track_product_line"
    __label__ = "便捷通道产品清单"
    __scope_paths__ = (("grant", "enterprise", "bureau_id"),
                       ("change", "grant", "enterprise", "bureau_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("fast_track_grant.id", ondelete="CASCADE"), index=True,
        info=label("便捷通道"))
    grant: Mapped[Optional[FastTrackGrant]] = relationship(back_populates="lines",
                                                           info=label("便捷通道"))
    change_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("fast_track_change.id", ondelete="CASCADE"), index=True,
        info=label("产品清单调整", help="调整后的预计清单，批准后替换原预计清单"))
    change: Mapped[Optional["FastTrackChange"]] = relationship(back_populates="lines",
                                                               info=label("产品清单调整"))
    period: Mapped[ProductListPeriod] = enum_column(ProductListPeriod, "清单")
    ccc_code: Mapped[str] = mapped_column(
        ForeignKey("ccc_category.code"), nullable=False,
        info=label("产品小类代码", validators=[v.ccc_code_format, v.ccc_code_in_catalogue]))
    ccc_category: Mapped[CccCategory] = relationship(info=label("产品小类及其代码"))
    purpose: Mapped[str] = mapped_column(String(100), nullable=False, info=label("用途"))
    annual_batches: Mapped[int] = mapped_column(Integer, nullable=False,
                                                info=label("批次（年均）", validators=[v.positive]))
    entry_port: Mapped[str] = mapped_column(String(50), nullable=False, info=label("入境口岸"))
    handling: Mapped[str] = mapped_column(
        String(100), nullable=False,
        info=label("产品入关后的处理方式", help="如：使用、出口、退运、销毁等"))

    __table_args__ = (
        CheckConstraint("annual_batches > 0", name="annual_batches_positive"),
        CheckConstraint("(grant_id IS NULL) <> (change_id IS NULL)", name="one_owner"),
    )
    __record_rules__ = (_line_has_one_owner,)

    def __str__(self) -> str:
        return f"{self.ccc_category}"

    def editing_refusal(self) -> str | None:
        owner = self.grant or self.change
        return owner.editing_refusal() if owner is not None else None

    deletion_refusal = editing_refusal


class FastTrackRenewal(Audited, TimestampMixin, Model):
    """A 延用 request of an active grant (seed 003 §二): filed by the district within the
    window before expiry; approved, it extends the grant from its old end date."""

    __tablename__ = "fast_track_renewal"
    __label__ = "便捷通道延用"
    __scope_path__ = ("grant", "enterprise", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fast_track_grant.id"), nullable=False,
                                          index=True, info=label("便捷通道"))
    grant: Mapped[FastTrackGrant] = relationship(back_populates="renewals",
                                                 info=label("便捷通道"))
    state: Mapped[DecisionState] = enum_column(DecisionState, "审核状态",
                                               default=DecisionState.pending)
    reason: Mapped[str] = mapped_column(
        Text, nullable=False,
        info=label("延用说明", help="使用期内CCC免办产品申请和后续管理情况，区局初审意见"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                      info=label("申请时间"))
    requested_by: Mapped[Optional[str]] = mapped_column(
        String(ACTOR_NAME_LENGTH), info=label("登记人"))
    old_valid_to: Mapped[dt.date] = mapped_column(Date, nullable=False, info=label("原有效期止"))
    new_valid_to: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("延用至"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("审核时间"))
    decided_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("审核人"))
    decision_remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("审核意见"))

    def __str__(self) -> str:
        return f"{self.grant}延用申请"


class FastTrackChange(Audited, TimestampMixin, Model):
    """A change a fast-track unit reports (seed 000 第十条): filed by the district, approved
    by the province, then applied to the grant or the enterprise (the audit trail keeps the
    values before and after)."""

    __tablename__ = "fast_track_change"
    __label__ = "便捷通道变更"
    __scope_path__ = ("grant", "enterprise", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fast_track_grant.id"), nullable=False,
                                          index=True, info=label("便捷通道"))
    grant: Mapped[FastTrackGrant] = relationship(back_populates="changes",
                                                 info=label("便捷通道"))
    kind: Mapped[FastTrackChangeKind] = enum_column(FastTrackChangeKind, "变更事项")
    state: Mapped[FastTrackChangeState] = enum_column(
        FastTrackChangeState, "状态", default=FastTrackChangeState.draft)
    description: Mapped[str] = mapped_column(Text, nullable=False, info=label("变更说明"))
    new_name: Mapped[Optional[str]] = mapped_column(String(200), info=label("变更后单位名称"))
    new_registered_address: Mapped[Optional[str]] = mapped_column(
        String(300), info=label("变更后注册地址"))
    new_business_address: Mapped[Optional[str]] = mapped_column(
        String(300), info=label("变更后经营地址"))
    new_legal_representative: Mapped[Optional[str]] = mapped_column(
        String(50), info=label("变更后法定代表人"))
    district_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("区局初审意见"))
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("报市局时间"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("审核时间"))
    decided_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("审核人"))
    decision_remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("审核意见"))
    lines: Mapped[list["FastTrackProductLine"]] = relationship(
        back_populates="change", cascade="all, delete-orphan",
        order_by="FastTrackProductLine.id", info=label("调整后预计产品清单"))

    def __str__(self) -> str:
        return f"{self.kind.label}#{self.id}"

    def editing_refusal(self) -> str | None:
        if self.state not in (None, FastTrackChangeState.draft):
            return f"变更事项{self.state.label}，不能再修改。"
        return None

    def deletion_refusal(self) -> str | None:
        return self.editing_refusal()


# =========================================================================================
# Reviewer accounts and their governance (seed 003)
# =========================================================================================


def second_review_refusal(functions, section_chief_or_above) -> str | None:
    """复审岗位账号使用人应为科级以上行政编人员 (seed 003 §三)."""
    codes = {getattr(f, "code", f) for f in functions or []}
    codes = {FunctionCode[c] if isinstance(c, str) and c in FunctionCode.__members__ else c
             for c in codes}
    if FunctionCode.second_review in codes and not section_chief_or_above:
        return "复审岗位账号使用人应为科级以上行政编人员：请确认“科级以上行政编”，或去掉“复审”功能。"
    return None


def _second_review_needs_section_chief(values):
    for field in ("functions", "functions_after"):
        if field in values:
            refusal = second_review_refusal(values.get(field), values.get("section_chief_or_above"))
            if refusal:
                yield field, refusal


class ReviewerAccount(Audited, TimestampMixin, Model):
    """A national-system account held by a member of bureau staff (seed 003 附件2)."""

    __tablename__ = "reviewer_account"
    __label__ = "系统账号"
    __scope_path__ = ("bureau_id",)
    __search_text__ = ("account_name", "holder_name")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("市场监管部门"))
    bureau: Mapped[Bureau] = relationship(info=label("市场监管部门"))
    holder_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                             info=label("账号使用人姓名"))
    department: Mapped[str] = mapped_column(String(100), nullable=False,
                                            info=label("所在部门", help="如：认证监管科"))
    position: Mapped[str] = mapped_column(String(50), nullable=False,
                                          info=label("职务", help="如：科长、科员"))
    section_chief_or_above: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False,
        info=label("科级以上行政编", help="复审岗位账号使用人应为科级以上行政编人员（沪市监认证〔2021〕212号）"))
    account_name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False,
                                              info=label("账号名称"))
    functions: Mapped[list[AccountFunction]] = relationship(
        secondary=reviewer_account_function, order_by=AccountFunction.id,
        info=label("账号功能", help="初审、复审、发证、监管、管理员，可多选"))
    phone: Mapped[str] = mapped_column(String(11), nullable=False,
                                       info=label("手机号", validators=[v.mobile_phone]))
    status: Mapped[AccountStatus] = enum_column(AccountStatus, "状态",
                                                default=AccountStatus.active)
    opened_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("开通日期"))
    closed_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("注销日期"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))
    function_changes: Mapped[list["AccountFunctionChange"]] = relationship(
        back_populates="account", order_by="AccountFunctionChange.changed_at",
        info=label("功能变更记录"))

    __record_rules__ = (v.date_order("opened_on", "closed_on", "注销日期不能早于开通日期。"),
                        _second_review_needs_section_chief)
    __extra_labels__ = {"functions_text": "账号功能", "department_position": "所在部门及职务"}

    def __str__(self) -> str:
        return f"{self.account_name}（{self.holder_name}）"

    __repr__ = __str__

    @property
    def functions_text(self) -> str:
        return functions_text(self.functions)

    @property
    def department_position(self) -> str:
        return f"{self.department}{self.position}"


class AccountFunctionChange(Model):
    """One change of an account's functions, with its date (seed 003 §三: the registry keeps
    how an account's functions changed over time). Written for every door that changes them."""

    __tablename__ = "account_function_change"
    __label__ = "账号功能变更记录"
    __scope_path__ = ("account", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("reviewer_account.id"), nullable=False,
                                            index=True, info=label("账号"))
    account: Mapped["ReviewerAccount"] = relationship(back_populates="function_changes",
                                                      info=label("账号"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                    info=label("变更时间"))
    functions_before: Mapped[str] = mapped_column(String(100), nullable=False,
                                                  info=label("原账号功能"))
    functions_after: Mapped[str] = mapped_column(String(100), nullable=False,
                                                 info=label("变更后账号功能"))
    status_after: Mapped[AccountStatus] = enum_column(AccountStatus, "变更后状态")
    change_request_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("account_change_request.id"), info=label("依据的调整需求"))
    change_request: Mapped[Optional["AccountChangeRequest"]] = relationship(
        info=label("依据的调整需求"))
    changed_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("操作人"))


class AccountChangeFiling(Audited, TimestampMixin, Model):
    """One 账号调整需求信息报表 (seed 003 附件1): several change requests of one district
    reported together, stamped and sent to the province as one table."""

    __tablename__ = "account_change_filing"
    __label__ = "账号调整需求报表"
    __scope_path__ = ("bureau_id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("填报单位"))
    bureau: Mapped[Bureau] = relationship(info=label("填报单位"))
    filed_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=clock.today,
                                              info=label("填报日期"))
    title: Mapped[Optional[str]] = mapped_column(String(200), info=label("报表说明"))
    requests: Mapped[list["AccountChangeRequest"]] = relationship(
        back_populates="filing", order_by="AccountChangeRequest.id", info=label("调整需求"))

    def __str__(self) -> str:
        district = self.bureau.short_name if self.bureau else ""
        return f"{district}{clock.chinese_date(self.filed_on)}账号调整需求报表"


class AccountChangeRequest(Audited, TimestampMixin, Model):
    """账号调整需求 (seed 003 附件1): one requested change of one account."""

    __tablename__ = "account_change_request"
    __label__ = "账号调整需求"
    __scope_path__ = ("bureau_id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("地方市场监管部门"))
    bureau: Mapped[Bureau] = relationship(info=label("地方市场监管部门"))
    kind: Mapped[AccountChangeKind] = enum_column(
        AccountChangeKind, "账号调整方式", help="开通、注销、增加功能、减少功能")
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reviewer_account.id"),
                                                      index=True, info=label("账号"))
    account: Mapped[Optional[ReviewerAccount]] = relationship(info=label("账号"))
    account_name: Mapped[Optional[str]] = mapped_column(
        String(64), info=label("账号名称", help="开通时填写申请开通的账号名称"))
    functions_before: Mapped[list[AccountFunction]] = relationship(
        secondary=account_change_function_before, order_by=AccountFunction.id,
        info=label("原账号功能"))
    functions_after: Mapped[list[AccountFunction]] = relationship(
        secondary=account_change_function_after, order_by=AccountFunction.id,
        info=label("当前账号功能", help="调整后的账号功能"))
    holder_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                             info=label("账号使用人姓名"))
    department: Mapped[str] = mapped_column(String(100), nullable=False, info=label("所在部门"))
    position: Mapped[str] = mapped_column(String(50), nullable=False,
                                          info=label("职务", help="如：现XX科科长、原XX科科员"))
    section_chief_or_above: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                         info=label("科级以上行政编"))
    phone: Mapped[str] = mapped_column(String(11), nullable=False,
                                       info=label("手机号", validators=[v.mobile_phone]))
    letter_ref: Mapped[Optional[str]] = mapped_column(String(200), info=label("来函标题及文号"))
    district_contact: Mapped[Optional[str]] = mapped_column(
        String(100), info=label("区局联系人", help="姓名及电话"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))
    staffing_changed_on: Mapped[dt.date] = mapped_column(
        Date, nullable=False, info=label("人员岗位调整日期", help="应在调整后一周内报送"))
    state: Mapped[AccountChangeState] = enum_column(
        AccountChangeState, "状态", default=AccountChangeState.draft, index=True)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("提交时间"))
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("审核时间"))
    return_reason: Mapped[Optional[str]] = mapped_column(Text, info=label("退回原因"))
    forwarded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("报总局时间"))
    effective_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("生效时间"))
    filing_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("account_change_filing.id"), index=True, info=label("所属报表"))
    filing: Mapped[Optional[AccountChangeFiling]] = relationship(back_populates="requests",
                                                                 info=label("所属报表"))

    def __str__(self) -> str:
        return f"{self.kind.label}：{self.holder_name}"

    __record_rules__ = (_second_review_needs_section_chief,)
    __extra_labels__ = {"report_status": "报送时限", "forward_status": "报总局时限"}

    @property
    def report_status(self) -> str:
        """报送时限: one week after the staffing change (seed 003 §三)."""
        from app.workflows.account_change import report_due, reported_late

        due = report_due(self)
        return Attention(f"逾期（应于{due:%m月%d日}前报送）") if reported_late(self) \
            else f"{due:%m月%d日}前"

    @property
    def forward_status(self) -> str:
        """报总局时限: five working days after the province received it."""
        from app.workflows.account_change import forward_deadline

        deadline = forward_deadline(self)
        return deadline.status_text("报总局") if deadline else ""

    def deletion_refusal(self) -> str | None:
        if self.state is not AccountChangeState.draft:
            return "只有草稿状态的账号调整需求可以删除。"
        return None

    def editing_refusal(self) -> str | None:
        if self.state not in (None, AccountChangeState.draft, AccountChangeState.returned):
            return f"账号调整需求{self.state.label}，不能再修改；如需更正请由省局退回。"
        return None


class AnnualAccountReport(Audited, TimestampMixin, Model):
    """账号使用人信息汇总 (seed 003 附件2): one district's filing for one year."""

    __tablename__ = "annual_account_report"
    __label__ = "账号使用人信息汇总"
    __scope_path__ = ("bureau_id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("填报单位"))
    bureau: Mapped[Bureau] = relationship(info=label("填报单位"))
    year: Mapped[int] = mapped_column(Integer, nullable=False, info=label("年度"))
    filer_name: Mapped[str] = mapped_column(String(50), nullable=False, info=label("填报人"))
    filer_department: Mapped[str] = mapped_column(String(100), nullable=False,
                                                  info=label("所在部门"))
    filed_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("填报日期"))
    state: Mapped[AnnualReportState] = enum_column(
        AnnualReportState, "状态", default=AnnualReportState.draft, index=True)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("提交时间"))
    confirmed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("确认时间"))
    return_reason: Mapped[Optional[str]] = mapped_column(Text, info=label("退回原因"))
    lines: Mapped[list["AnnualAccountReportLine"]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="AnnualAccountReportLine.seq", info=label("账号使用人"))

    __table_args__ = (
        UniqueConstraint("bureau_id", "year", name="uq_annual_account_report_bureau_year"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
    )
    __extra_labels__ = {"due_status": "报送时限"}

    @property
    def due_status(self) -> str:
        """Due 11月30日 of its year (seed 003 §四)."""
        from app.workflows.annual_report import due_date, is_late

        due = due_date(self.year)
        due_text = clock.chinese_date(due)
        return Attention(f"逾期（应于{due_text}前报送）") if is_late(self, self.year) \
            else f"{due_text}前"

    def __str__(self) -> str:
        return f"{self.bureau.short_name if self.bureau else ''}{self.year}年度账号使用人信息汇总"

    def deletion_refusal(self) -> str | None:
        if self.state is not AnnualReportState.draft:
            return "只有草稿状态的汇总表可以删除。"
        return None

    def editing_refusal(self) -> str | None:
        if self.state not in (None, AnnualReportState.draft, AnnualReportState.returned):
            return f"汇总表{self.state.label}，不能再修改；如需更正请由省局退回。"
        return None


class AnnualAccountReportLine(Audited, Model):
    """A snapshot of one account taken when the report was created (not a live link)."""

    __tablename__ = "annual_account_report_line"
    __label__ = "账号使用人"
    __scope_path__ = ("report", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("annual_account_report.id", ondelete="CASCADE"), nullable=False, index=True)
    report: Mapped[AnnualAccountReport] = relationship(back_populates="lines",
                                                       info=label("汇总表"))
    seq: Mapped[int] = mapped_column(Integer, nullable=False, info=label("序号"))
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reviewer_account.id"),
                                                      info=label("账号"))
    bureau_name: Mapped[str] = mapped_column(String(100), nullable=False,
                                             info=label("市场监管部门"))
    holder_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                             info=label("账号使用人姓名"))
    department_position: Mapped[str] = mapped_column(String(150), nullable=False,
                                                      info=label("所在部门及职务"))
    account_name: Mapped[str] = mapped_column(String(64), nullable=False,
                                              info=label("当前使用账号名称"))
    functions: Mapped[str] = mapped_column(String(100), nullable=False,
                                           info=label("当前使用账号功能"))
    phone: Mapped[str] = mapped_column(String(11), nullable=False, info=label("手机号"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))

    __table_args__ = (UniqueConstraint("report_id", "seq", name="uq_annual_line_seq"),)

    def editing_refusal(self) -> str | None:
        return self.report.editing_refusal() if self.report else None


# =========================================================================================
# Exemption applications, products, certificates (seeds 001, 004)
# =========================================================================================


def _has_applicant_type(values):
    clause = v.code_of(values.get("clause"))
    if clause in {c.name for c in CLAUSES_REQUIRING_APPLICANT_TYPE} \
            and not v.code_of(values.get("applicant_type")):
        yield "applicant_type", "免办条款为条款1或条款2时，必须选择申请人类型。"


def _research_detail_matches_clause(values):
    clause = v.code_of(values.get("clause"))
    detail = v.code_of(values.get("research_detail"))
    if clause == ExemptionClause.research_test.name and not detail:
        yield "research_detail", "免办条款为“为科研、测试和认证检测所需的产品和样品”时，必须选择二级明细条款（科研/测试/CCC认证检测）。"
    if clause and clause != ExemptionClause.research_test.name and detail:
        yield "research_detail", "只有条款1（科研、测试和认证检测）需要选择二级明细条款，请清空此项。"


class Application(Audited, TimestampMixin, Model):
    """免办申请 as loaded from (or mirrored for) the national system."""

    __tablename__ = "application"
    __label__ = "免办申请"
    __scope_path__ = ("bureau_id",)  # the accepting bureau handles and supervises it
    __search_text__ = ("^number",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False,
                                        info=label("申请编号", help="留空则由系统生成"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("申请单位"))
    enterprise: Mapped[Enterprise] = relationship(info=label("申请单位"))
    clause: Mapped[ExemptionClause] = enum_column(ExemptionClause, "免办条款")
    research_detail: Mapped[Optional[ResearchDetail]] = enum_column(
        ResearchDetail, "二级明细条款", nullable=True, help="条款1必选：科研 / 测试 / CCC认证检测")
    applicant_type: Mapped[Optional[ApplicantType]] = enum_column(
        ApplicantType, "申请人类型", nullable=True, help="条款1、条款2必选")
    applicant_location: Mapped[str] = mapped_column(
        String(200), nullable=False, info=label("申请单位所在地", help="默认为企业注册地所在行政区划"))
    final_use_place: Mapped[str] = mapped_column(String(200), nullable=False,
                                                 info=label("产品最终使用地"))
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("受理市场监督管理局"))
    bureau: Mapped[Bureau] = relationship(info=label("受理市场监督管理局"))
    bill_of_lading_no: Mapped[Optional[str]] = mapped_column(String(50), info=label("提运单号"))
    contract_no: Mapped[Optional[str]] = mapped_column(String(50), info=label("进口合同号"))
    invoice_no: Mapped[Optional[str]] = mapped_column(String(50), info=label("发票号"))
    reason: Mapped[str] = mapped_column(
        Text, nullable=False,
        info=label("产品特点、原因理由及安全保证", help="希望免予办理认证的产品特点，原因、理由，安全保证"))
    state: Mapped[ApplicationState] = enum_column(ApplicationState, "状态",
                                                  default=ApplicationState.draft, index=True)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(
        DateTime, index=True, info=label("提交时间", help="从国家系统载入时可填写原提交时间"))
    accepted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("受理时间"))
    first_reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                     info=label("初审时间"))
    second_reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                      info=label("复审时间"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("办结时间"))
    return_reason: Mapped[Optional[str]] = mapped_column(Text, info=label("退回原因"))
    products: Mapped[list["Product"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Product.id",
        info=label("产品"))
    certificate: Mapped[Optional["Certificate"]] = relationship(
        back_populates="application", uselist=False, info=label("免办证明"))

    __record_rules__ = (
        _research_detail_matches_clause,
        _has_applicant_type,
        v.at_least_one(("bill_of_lading_no", "contract_no", "invoice_no"),
                       "提运单号、进口合同号、发票号至少填写一项。"),
    )

    __table_args__ = (
        CheckConstraint(
            "bill_of_lading_no IS NOT NULL OR contract_no IS NOT NULL OR invoice_no IS NOT NULL",
            name="shipping_reference"),
        CheckConstraint("clause = 'research_test' OR research_detail IS NULL",
                        name="detail_only_for_clause1"),
        CheckConstraint("clause <> 'research_test' OR research_detail IS NOT NULL",
                        name="clause1_needs_detail"),
        Index("ix_application_bureau_state", "bureau_id", "state"),
    )

    def __str__(self) -> str:
        return self.number

    def deletion_refusal(self) -> str | None:
        if self.state is not ApplicationState.draft:
            return "只有未提交的申请可以删除（国家系统同样规定已提交的申请不能删除）。"
        return None

    def editing_refusal(self) -> str | None:
        if self.state not in (None, ApplicationState.draft, ApplicationState.returned):
            return f"申请{self.state.label}，信息不能再修改（退回后可修改并重新提交）。"
        return None

    __extra_labels__ = {"approve_due": "发证期限", "return_due": "退回期限",
                        "deadline_status": "审核时限"}

    @property
    def approve_due(self) -> dt.date | None:
        """The 5th working day after submission (seed 002 §1)."""
        from app.workflows.application import approve_deadline

        deadline = approve_deadline(self)
        return deadline.due if deadline else None

    @property
    def return_due(self) -> dt.date | None:
        """The 2nd working day after submission (seed 002 §1)."""
        from app.workflows.application import return_deadline

        deadline = return_deadline(self)
        return deadline.due if deadline else None

    @property
    def deadline_status(self) -> str:
        """What a reviewer reads in the list: due date, working days left, overdue."""
        from app.workflows.application import approve_deadline

        deadline = approve_deadline(self)
        return deadline.status_text("办结") if deadline else ""


class Product(Audited, Model):
    """A product of an application (seed 004 §2.1.2)."""

    __tablename__ = "product"
    __label__ = "产品"
    __scope_path__ = ("application", "bureau_id")
    __search_text__ = ("name", "model", "^hs_code")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("免办申请"))
    application: Mapped[Application] = relationship(back_populates="products",
                                                    info=label("免办申请"))
    hs_code: Mapped[str] = mapped_column(String(10), nullable=False, index=True,
                                         info=label("HS编码", help="10位海关商品编码",
                                                    validators=[v.hs_code]))
    name: Mapped[str] = mapped_column(String(200), nullable=False, info=label("产品名称"))
    ccc_code: Mapped[str] = mapped_column(
        ForeignKey("ccc_category.code"), nullable=False, index=True,
        info=label("CCC产品小类代码", help="须为CCC目录中的4位小类代码，如0901",
                   validators=[v.ccc_code_format, v.ccc_code_in_catalogue]))
    ccc_category: Mapped[CccCategory] = relationship(info=label("CCC产品小类"))
    model: Mapped[str] = mapped_column(String(200), nullable=False, info=label("型号规格"))
    brand: Mapped[str] = mapped_column(String(100), nullable=False, info=label("商标/品牌"))
    manufacturer: Mapped[str] = mapped_column(String(200), nullable=False, info=label("制造商"))
    quantity: Mapped[int] = mapped_column(Integer, nullable=False,
                                          info=label("数量", validators=[v.positive]))
    unit: Mapped[str] = mapped_column(String(10), nullable=False, default="台",
                                      info=label("单位", help="台、件、套、个等"))
    weight_kg: Mapped[Optional[Decimal]] = mapped_column(
        Numeric(14, 3), info=label("重量（千克）", validators=[v.positive]))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False,
                                            info=label("金额", validators=[v.positive]))
    currency: Mapped[Currency] = enum_column(Currency, "币种", default=Currency.USD)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("weight_kg IS NULL OR weight_kg > 0", name="weight_positive"),
        CheckConstraint("length(hs_code) = 10", name="hs_code_length"),
    )

    def __str__(self) -> str:
        return f"{self.name}（{self.model}）"

    def editing_refusal(self) -> str | None:
        if self.application is not None:
            refusal = self.application.editing_refusal()
            if refusal:
                return refusal + "已发证产品的变更请通过“申请变更”办理。"
        return None

    def deletion_refusal(self) -> str | None:
        return self.editing_refusal()


class Certificate(Audited, TimestampMixin, Model):
    """免予办理强制性产品认证证明."""

    __tablename__ = "certificate"
    __label__ = "免办证明"
    __scope_path__ = ("application", "bureau_id")
    __search_text__ = ("^number",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False,
                                        info=label("证明编号"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False,
                                                unique=True, info=label("免办申请"))
    application: Mapped[Application] = relationship(back_populates="certificate",
                                                    info=label("免办申请"))
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True,
                                               info=label("签发日期"))
    state: Mapped[CertificateState] = enum_column(CertificateState, "状态",
                                                  default=CertificateState.valid, index=True)
    supervision_deadline: Mapped[dt.date] = mapped_column(
        Date, nullable=False, info=label("监管期限", help="应在此日期前完成核销"))
    change_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                              info=label("变更次数", help="证明仅允许变更一次"))
    usages: Mapped[list["CustomsUsage"]] = relationship(
        back_populates="certificate", order_by="CustomsUsage.used_on",
        info=label("海关调用记录"))
    requests: Mapped[list["CertificateRequest"]] = relationship(
        back_populates="certificate", order_by="CertificateRequest.id",
        info=label("变更/作废/延期申请"))

    __record_rules__ = (
        v.date_order("issued_on", "supervision_deadline", "监管期限不能早于签发日期。"),
    )
    __table_args__ = (
        CheckConstraint("change_count >= 0 AND change_count <= 1", name="change_once"),
        CheckConstraint("supervision_deadline >= issued_on", name="deadline_after_issue"),
    )

    def __str__(self) -> str:
        return self.number

    __extra_labels__ = {"usage_text": "海关调用"}

    def editing_refusal(self) -> str | None:
        """Certificates come from the 签发 step. One recorded by hand (e.g. loaded from the
        national system) must belong to an application already 已发证."""
        app = self.application
        if self.id is None and app is not None and app.state is not ApplicationState.issued:
            return (f"免办证明由申请的“签发”步骤生成：申请{app.number}当前为{app.state.label}，"
                    "只能为已发证的申请补录证明。")
        return None

    @property
    def usage_text(self) -> str:
        return "、".join(u.declaration_no for u in self.usages) or "无"


class CertificateRequest(Audited, TimestampMixin, Model):
    """A request to change, void or extend a certificate, and the reviewer's decision
    (seed 002 §4–6, seed 004 §2.3)."""

    __tablename__ = "certificate_request"
    __label__ = "证明变更/作废/延期申请"
    __scope_path__ = ("certificate", "application", "bureau_id")
    __str_loads__ = ("certificate",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), nullable=False,
                                                index=True, info=label("免办证明"))
    certificate: Mapped[Certificate] = relationship(back_populates="requests",
                                                    info=label("免办证明"))
    kind: Mapped[CertificateRequestKind] = enum_column(CertificateRequestKind, "申请类型")
    state: Mapped[CertificateRequestState] = enum_column(
        CertificateRequestState, "审核状态", default=CertificateRequestState.pending)
    reason: Mapped[str] = mapped_column(Text, nullable=False, info=label("申请理由"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                      info=label("申请时间"))
    requested_by: Mapped[Optional[str]] = mapped_column(
        String(ACTOR_NAME_LENGTH), info=label("登记人"))
    not_imported: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False,
        info=label("有产品未实际进口的证据", help="作废：已上传证明产品未实际进口的证据材料"))
    new_supervision_deadline: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("申请延期至"))
    onsite_check_record: Mapped[Optional[str]] = mapped_column(
        Text, info=label("现场核查记录", help="延期：无视频、照片等材料时，须有现场核查记录"))
    use_finding: Mapped[Optional[UseFinding]] = enum_column(UseFinding, "核查结论", nullable=True)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("审核时间"))
    decided_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("审核人"))
    decision_remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("审核意见"))
    items: Mapped[list["CertificateChangeItem"]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="CertificateChangeItem.id", info=label("变更内容"))
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="certificate_request", order_by="EvidenceFile.id",
        info=label("证据材料"))

    def __str__(self) -> str:
        return f"{self.certificate.number if self.certificate else ''}{self.kind.label}申请"

    def evidence_refusal(self) -> str | None:
        """Evidence is what the reviewer decides on: it goes with a request still pending."""
        if self.state is not CertificateRequestState.pending:
            return "只能为待审核的申请上传证据材料。"
        return None


class CertificateChangeItem(Audited, Model):
    """One changed product field of a change request, with its value before and after."""

    __tablename__ = "certificate_change_item"
    __label__ = "变更内容"
    __scope_path__ = ("request", "certificate", "application", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("certificate_request.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("变更申请"))
    request: Mapped[CertificateRequest] = relationship(back_populates="items",
                                                       info=label("变更申请"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), nullable=False,
                                            info=label("产品"))
    product: Mapped["Product"] = relationship(info=label("产品"))
    field: Mapped[ProductField] = enum_column(ProductField, "变更项目")
    before: Mapped[Optional[str]] = mapped_column(String(200), info=label("变更前"))
    after: Mapped[str] = mapped_column(String(200), nullable=False, info=label("变更后"))

    __table_args__ = (UniqueConstraint("request_id", "product_id", "field",
                                       name="uq_change_item_field"),)


class EvidenceFile(Audited, Model):
    """An uploaded evidence file (photo, video, PDF), stored outside the database; served only
    to users who may see the record it belongs to."""

    __tablename__ = "evidence_file"
    __label__ = "证据材料"
    __scope_paths__ = (("certificate_request", "certificate", "application", "bureau_id"),
                       ("usage_record", "product", "application", "bureau_id"),
                       ("fast_track_grant", "enterprise", "bureau_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_request_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("certificate_request.id"), index=True, info=label("所属申请"))
    certificate_request: Mapped[Optional[CertificateRequest]] = relationship(
        back_populates="evidence", info=label("所属申请"))
    usage_record_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("usage_record.id"), index=True, info=label("所属使用记录"))
    usage_record: Mapped[Optional["UsageRecord"]] = relationship(
        back_populates="evidence", info=label("所属使用记录"))
    fast_track_grant_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("fast_track_grant.id"), index=True, info=label("所属便捷通道申请"))
    fast_track_grant: Mapped[Optional[FastTrackGrant]] = relationship(
        back_populates="attachments", info=label("所属便捷通道申请"))
    kind: Mapped[AttachmentKind] = enum_column(AttachmentKind, "材料类型",
                                               default=AttachmentKind.evidence)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False, info=label("文件名"))
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True,
                                             info=label("存储名"))
    content_type: Mapped[str] = mapped_column(String(100), nullable=False, info=label("文件类型"))
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False, info=label("大小（字节）"))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, info=label("SHA-256"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                     info=label("上传时间"))
    uploaded_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("上传人"))

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN certificate_request_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN usage_record_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN fast_track_grant_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    @property
    def owner(self):
        return self.certificate_request or self.usage_record or self.fast_track_grant

    def __str__(self) -> str:
        return self.original_name


class CustomsUsage(Audited, TimestampMixin, Model):
    """海关调用记录: a customs declaration that used a certificate (customs data exchange)."""

    __tablename__ = "customs_usage"
    __label__ = "海关调用记录"
    __scope_path__ = ("certificate", "application", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), nullable=False,
                                                index=True, info=label("免办证明"))
    certificate: Mapped[Certificate] = relationship(back_populates="usages",
                                                    info=label("免办证明"))
    declaration_no: Mapped[str] = mapped_column(
        String(18), nullable=False, info=label("报关单号", help="18位海关报关单编号",
                                               validators=[v.declaration_no]))
    port: Mapped[str] = mapped_column(String(50), nullable=False, info=label("入境口岸"))
    used_on: Mapped[dt.date] = mapped_column(Date, nullable=False, info=label("调用日期"))
    quantity: Mapped[int] = mapped_column(Integer, nullable=False,
                                          info=label("数量", validators=[v.positive]))

    __table_args__ = (
        UniqueConstraint("certificate_id", "declaration_no",
                         name="uq_customs_usage_certificate_declaration"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    def __str__(self) -> str:
        return self.declaration_no

    def editing_refusal(self) -> str | None:
        return CUSTOMS_RECORD_IS_FIXED if self.id is not None else None

    def deletion_refusal(self) -> str | None:
        return CUSTOMS_RECORD_IS_FIXED


CUSTOMS_RECORD_IS_FIXED = (
    "海关调用记录来自海关数据，保存后不能修改或删除：作废和核销都以它核对实际进口。"
    "货物确未进口的，请通过免办证明的“申请作废”并附未进口的证明材料办理。")


class UsageRecord(Audited, TimestampMixin, Model):
    """使用 / 退运 / 销毁 record of a product (seed 004 §2.6)."""

    __tablename__ = "usage_record"
    __label__ = "使用记录"
    __scope_path__ = ("product", "application", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), nullable=False,
                                            index=True, info=label("产品"))
    product: Mapped[Product] = relationship(info=label("产品"))
    kind: Mapped[UsageKind] = enum_column(UsageKind, "处理方式")
    quantity: Mapped[int] = mapped_column(Integer, nullable=False,
                                          info=label("数量", validators=[v.positive]))
    used_on: Mapped[dt.date] = mapped_column(Date, nullable=False, info=label("日期"))
    using_unit: Mapped[str] = mapped_column(String(200), nullable=False,
                                            info=label("使用单位", help="产品使用单位或退运、销毁执行单位"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("说明"))
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="usage_record", order_by=EvidenceFile.id, info=label("证据材料"))

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    def __str__(self) -> str:
        return f"{self.kind.label}{self.quantity}"

    def editing_refusal(self) -> str | None:
        """Records of a written-off certificate are the proof of its write-off: kept as they
        are (DESIGN §3 keeps them 24 months after write-off)."""
        state = sa_inspect(self)
        earlier = [state.session.get(Product, pid) for pid in state.attrs.product_id.history.deleted
                   if pid is not None and state.session is not None]
        for product in [self.product, *earlier]:
            cert = product.application.certificate \
                if product is not None and product.application is not None else None
            if cert is not None and cert.state is CertificateState.written_off:
                return f"免办证明{cert.number}已核销：其使用记录须留存备查，不能再登记、修改或删除。"
        return None

    def deletion_refusal(self) -> str | None:
        return self.editing_refusal()

    def evidence_refusal(self) -> str | None:
        cert = self.product.application.certificate if self.product is not None else None
        if cert is not None and cert.state is CertificateState.voided:
            return "证明已作废，不能再上传证据材料。"
        return None


# =========================================================================================
# Installation: the province profile a database was created with (issue 17)
# =========================================================================================


class Installation(Model):
    """One row: the policy profile (``CCC_PROVINCE``) this database was created with. A start
    with another profile is refused (``app.installation``) so provinces never mix. Not
    audited and never edited: it is written once, when the first start finds the database
    empty."""

    __tablename__ = "installation"
    __label__ = "安装信息"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(32), nullable=False,
                                               info=label("省份政策配置"))
    province_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                               info=label("省份名称"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                     default=clock.now, info=label("记录时间"))

    __table_args__ = (CheckConstraint("id = 1", name="installation_single_row"),)


# Version classes of the audit trail are built when the mappers are configured.
configure_mappers()


# =========================================================================================
# Normalisation shared by every door (console forms, API, imports, services)
# =========================================================================================


@event.listens_for(Model, "before_insert", propagate=True)
@event.listens_for(Model, "before_update", propagate=True)
def _blank_strings_to_null(mapper, connection, target) -> None:
    """An empty text box means "not given": store NULL so that "at least one of" checks and
    unique keys behave the same whether a record came from a form, the API or an import."""
    if mapper.local_table is None or mapper.local_table.name.startswith("ab_"):
        return
    for column in mapper.columns:
        if column.nullable and isinstance(column.type, (String, Text)) \
                and not isinstance(column.type, SAEnum):
            key = mapper.get_property_by_column(column).key
            value = getattr(target, key, None)
            if isinstance(value, str):
                stripped = value.strip()
                if stripped != value or not stripped:
                    setattr(target, key, stripped or None)
